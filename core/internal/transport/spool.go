package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The spool's costs: disk space up to MaxBytes; one file (the envelope,
// typically 2-10 KB) and one fsync per spooled event, under a millisecond
// on an idle local SSD, spent by the transport's senders, never by the
// logging call; the directory's entries are synced at most every 50 ms.
// While the receiver is unreachable the transport probes it twice a second
// with the oldest spooled envelope.

// Default bounds of the spool. A small error event is 2–5 KB, so 64 MiB
// holds about 15,000 of them; MaxFiles bounds the directory's size for the
// small ones.
const (
	defaultSpoolBytes = 64 << 20
	defaultSpoolFiles = 20000
)

func (o *SpoolOptions) applyDefaults() {
	if o.MaxFiles <= 0 {
		o.MaxFiles = defaultSpoolFiles
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = defaultSpoolBytes
	}
}

// File names: <unix nanos, 20 digits>-<process tag>-<seq>.env, so that a
// sorted listing is the order of capture; ".tmp" while being written and
// ".claim-<tag>-<unix seconds>" while a process sends it.
const (
	spoolExt   = ".env"
	spoolTmp   = ".tmp"
	spoolClaim = ".claim-"
	// staleClaim is when a claimed file whose process seems gone is taken
	// back: a crash between claim and delete must not lose the envelope.
	staleClaim = 2 * time.Minute
	// spoolRescan is how often, at most, an empty index is refreshed from
	// the directory, to find what other processes wrote.
	spoolRescan = time.Second
	// dirSyncEvery bounds how long a renamed file's directory entry may
	// wait for its fsync: syncing the directory on every write would
	// triple the cost of a write (measured 0.4 ms vs 1.4 ms on ext4).
	dirSyncEvery = 50 * time.Millisecond
	// batchSyncs is how many fsyncs of a batch run at once.
	batchSyncs = 16
)

// spool is a directory of envelopes with an index of it in memory: the
// directory is listed when the spool opens and again only when the index
// runs empty (at most once per spoolRescan) or when the transport asks
// (periodically), so a write costs the same with 10 files or 10,000. It is
// safe for concurrent use; processes coordinate through atomic renames.
type spool struct {
	opts SpoolOptions
	tag  string // this process's tag in file names
	seq  atomic.Uint64
	now  func() time.Time
	n    atomic.Int64 // len(index), for a lock-free pending check
	// scannedAt is scanned in Unix nanoseconds, for a lock-free rescanDue.
	scannedAt atomic.Int64

	mu        sync.Mutex
	index     []spoolEntry // oldest first; index[head:] are live
	head      int
	bytes     int64 // size of the live entries
	scanned   time.Time
	rescans   int // directory listings so far (under mu; for tests)
	dirDirty  bool
	dirSynced time.Time
}

var errSpoolOff = errors.New("spool is off")

func newSpool(opts SpoolOptions) (*spool, error) {
	if opts.Dir == "" {
		return nil, errSpoolOff
	}
	opts.applyDefaults()
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("sentrylog: spool directory: %w", err)
	}
	if fi, err := os.Stat(opts.Dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("sentrylog: spool directory %s is not a directory", opts.Dir)
	}
	tag := strconv.Itoa(os.Getpid()) + "x" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	s := &spool{opts: opts, tag: tag, now: time.Now}
	s.mu.Lock()
	s.rescanLocked()
	s.mu.Unlock()
	return s, nil
}

// spoolEntry is one envelope file in the directory.
type spoolEntry struct {
	name string
	size int64
	own  bool // written by this process
}

// evicted counts envelopes removed to make room: this process's and other
// processes'.
type evicted struct{ own, foreign int }

// pending reports whether the index holds envelopes.
func (s *spool) pending() bool { return s.n.Load() > 0 }

// rescanDue reports whether the directory may be listed again, for what
// other processes wrote.
func (s *spool) rescanDue() bool {
	return s.now().UnixNano()-s.scannedAt.Load() >= int64(spoolRescan)
}

// write stores one envelope (serialized without sent_at), of an event
// captured at the time at, crash-safely:
// temporary file, fsync, rename. It returns the older envelopes removed to
// make room, so the caller can count them as cache_overflow. Writes from
// several goroutines proceed in parallel up to the rename.
func (s *spool) write(env []byte, at time.Time) (ev evicted, err error) {
	if int64(len(env)) > s.opts.MaxBytes {
		return ev, fmt.Errorf("envelope of %d bytes exceeds the spool's %d", len(env), s.opts.MaxBytes)
	}
	if at.IsZero() {
		at = s.now()
	}
	// Named by capture time: the replay's order is the events' order,
	// whichever of the concurrent senders spooled them first.
	name := fmt.Sprintf("%020d-%s-%06d%s", max(at.UnixNano(), 0), s.tag, s.seq.Add(1)%1e6, spoolExt)
	tmp := filepath.Join(s.opts.Dir, name+spoolTmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return ev, err
	}
	_, err = f.Write(env)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return ev, err
	}
	s.mu.Lock()
	// Renamed under the lock: a rescan sees the file and the index entry
	// together or neither.
	if err = os.Rename(tmp, filepath.Join(s.opts.Dir, name)); err != nil {
		s.mu.Unlock()
		os.Remove(tmp)
		return ev, err
	}
	s.insertLocked(spoolEntry{name: name, size: int64(len(env)), own: true})
	ev = s.evictLocked()
	s.dirDirty = true
	syncDir := s.now().Sub(s.dirSynced) >= dirSyncEvery
	if syncDir {
		s.dirDirty, s.dirSynced = false, s.now()
	}
	s.mu.Unlock()
	if syncDir {
		s.syncDir()
	}
	return ev, nil
}

// writeBatch stores several envelopes, of events captured at the times
// ats, crash-safely as write does, but with the writes first, then the
// fsyncs, then the renames: after the first fsync has committed the
// file system's journal the others find little to do, so a batch costs
// about one fsync, not one per envelope (Close spools its leftovers this
// way). It reports which envelopes were stored, and the evictions.
func (s *spool) writeBatch(envs [][]byte, ats []time.Time) (stored []bool, ev evicted) {
	stored = make([]bool, len(envs))
	type pendingFile struct {
		i         int
		f         *os.File
		tmp, name string
	}
	files := make([]pendingFile, 0, len(envs))
	for i, env := range envs {
		if int64(len(env)) > s.opts.MaxBytes {
			continue
		}
		at := ats[i]
		if at.IsZero() {
			at = s.now()
		}
		name := fmt.Sprintf("%020d-%s-%06d%s", max(at.UnixNano(), 0), s.tag, s.seq.Add(1)%1e6, spoolExt)
		tmp := filepath.Join(s.opts.Dir, name+spoolTmp)
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			continue
		}
		if _, err := f.Write(env); err != nil {
			f.Close()
			os.Remove(tmp)
			continue
		}
		files = append(files, pendingFile{i: i, f: f, tmp: tmp, name: name})
	}
	// The fsyncs run in parallel: the file system commits concurrent
	// ones together (64 files: 250 ms one by one, 20 ms 64 at once, on a
	// loaded ext4 disk).
	failed := make([]bool, len(files))
	var wg sync.WaitGroup
	for w := range min(len(files), batchSyncs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := w; j < len(files); j += batchSyncs {
				err := files[j].f.Sync()
				if cerr := files[j].f.Close(); err == nil {
					err = cerr
				}
				failed[j] = err != nil
			}
		}()
	}
	wg.Wait()
	synced := files[:0]
	for j, p := range files {
		if failed[j] {
			os.Remove(p.tmp)
			continue
		}
		synced = append(synced, p)
	}
	s.mu.Lock()
	for _, p := range synced {
		if os.Rename(p.tmp, filepath.Join(s.opts.Dir, p.name)) != nil {
			os.Remove(p.tmp)
			continue
		}
		s.insertLocked(spoolEntry{name: p.name, size: int64(len(envs[p.i])), own: true})
		stored[p.i] = true
	}
	ev = s.evictLocked()
	s.dirDirty = false
	s.dirSynced = s.now()
	s.mu.Unlock()
	s.syncDir()
	return stored, ev
}

// syncDir makes the directory's entries durable.
func (s *spool) syncDir() {
	if d, err := os.Open(s.opts.Dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// sync makes durable what write left to the next directory sync.
func (s *spool) sync() {
	s.mu.Lock()
	dirty := s.dirDirty
	s.dirDirty, s.dirSynced = false, s.now()
	s.mu.Unlock()
	if dirty {
		s.syncDir()
	}
}

// insertLocked adds e to the index at its place by name (the order of
// writing); a write is nearly always the newest, so the search is from the
// end.
func (s *spool) insertLocked(e spoolEntry) {
	i := len(s.index)
	for i > s.head && s.index[i-1].name > e.name {
		i--
	}
	if i == s.head && s.head > 0 {
		s.head--
		s.index[s.head] = e
	} else {
		s.index = slices.Insert(s.index, i, e)
	}
	s.bytes += e.size
	s.n.Add(1)
}

// popLocked removes and returns the oldest entry.
func (s *spool) popLocked() (spoolEntry, bool) {
	if s.head >= len(s.index) {
		return spoolEntry{}, false
	}
	e := s.index[s.head]
	s.index[s.head] = spoolEntry{}
	s.head++
	if s.head == len(s.index) {
		s.index, s.head = s.index[:0], 0
	} else if s.head > 1024 && s.head > len(s.index)/2 {
		n := copy(s.index, s.index[s.head:])
		clear(s.index[n:])
		s.index, s.head = s.index[:n], 0
	}
	s.bytes -= e.size
	s.n.Add(-1)
	return e, true
}

// evictLocked removes the oldest envelopes beyond MaxFiles or MaxBytes. A
// file already gone was taken by another process: not an eviction.
func (s *spool) evictLocked() (ev evicted) {
	for len(s.index)-s.head > s.opts.MaxFiles || s.bytes > s.opts.MaxBytes {
		e, ok := s.popLocked()
		if !ok {
			break
		}
		if os.Remove(filepath.Join(s.opts.Dir, e.name)) == nil {
			if e.own {
				ev.own++
			} else {
				ev.foreign++
			}
		}
	}
	return ev
}

// rescan refreshes the index from the directory, to find what other
// processes wrote, unless it was refreshed less than min ago.
func (s *spool) rescan(min time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.now().Sub(s.scanned) >= min {
		s.rescanLocked()
	}
}

// rescanLocked lists the directory into the index, oldest first, and takes
// back stale claims and partial writes of crashed processes.
func (s *spool) rescanLocked() {
	s.rescans++
	s.scanned = s.now()
	s.scannedAt.Store(s.scanned.UnixNano())
	des, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return
	}
	now := s.now()
	index := s.index[:0]
	clear(s.index[:cap(s.index)])
	var total int64
	for _, de := range des {
		name := de.Name()
		if de.IsDir() {
			continue
		}
		if i := strings.Index(name, spoolExt+spoolClaim); i >= 0 {
			if info, err := de.Info(); err == nil && now.Sub(claimTime(name, info.ModTime())) >= staleClaim {
				orig := name[:i+len(spoolExt)]
				if os.Rename(filepath.Join(s.opts.Dir, name), filepath.Join(s.opts.Dir, orig)) == nil {
					index = append(index, spoolEntry{name: orig, size: info.Size(), own: s.owns(orig)})
					total += info.Size()
				}
			}
			continue
		}
		if strings.HasSuffix(name, spoolTmp) {
			if info, err := de.Info(); err == nil && now.Sub(info.ModTime()) > staleClaim {
				os.Remove(filepath.Join(s.opts.Dir, name)) // a partial write of a crashed process
			}
			continue
		}
		if !strings.HasSuffix(name, spoolExt) {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue
		}
		index = append(index, spoolEntry{name: name, size: info.Size(), own: s.owns(name)})
		total += info.Size()
	}
	slices.SortFunc(index, func(a, b spoolEntry) int { return strings.Compare(a.name, b.name) })
	s.index, s.head, s.bytes = index, 0, total
	s.n.Store(int64(len(index)))
}

func (s *spool) owns(name string) bool {
	return strings.Contains(name, "-"+s.tag+"-")
}

// claim takes the oldest envelope for sending: it renames the file so that
// no other process sends it too, and returns its content. ok is false when
// the spool is empty. A file that cannot be read is removed and skipped.
// An empty index is refreshed from the directory at most once per
// spoolRescan.
func (s *spool) claim() (c spoolClaimed, ok bool) {
	for {
		s.mu.Lock()
		e, ok := s.popLocked()
		if !ok && s.now().Sub(s.scanned) >= spoolRescan {
			s.rescanLocked()
			e, ok = s.popLocked()
		}
		s.mu.Unlock()
		if !ok {
			return spoolClaimed{}, false
		}
		from := filepath.Join(s.opts.Dir, e.name)
		// The claim's name carries its time: its age starts now, whatever
		// the file's.
		to := from + spoolClaim + s.tag + "-" + strconv.FormatInt(s.now().Unix(), 10)
		if os.Rename(from, to) != nil {
			continue // another process took it
		}
		b, err := readSized(to, e.size)
		if err != nil || len(bytes.TrimSpace(b)) == 0 {
			os.Remove(to)
			continue
		}
		return spoolClaimed{entry: e, path: to, orig: from, data: b, own: e.own}, true
	}
}

// claimTime returns when a claim was made: the Unix seconds at the end of
// its name, else the file's modification time.
func claimTime(name string, mod time.Time) time.Time {
	if i := strings.LastIndexByte(name, '-'); i >= 0 {
		if sec, err := strconv.ParseInt(name[i+1:], 10, 64); err == nil {
			return time.Unix(sec, 0)
		}
	}
	return mod
}

// readSized reads a file whose size is known from the index (fewer
// system calls than os.ReadFile); a file that turns out larger is read
// whole.
func readSized(path string, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, size+1)
	n, err := io.ReadFull(f, b)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return b[:n], nil
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(f) // larger than indexed
	return append(b[:n], rest...), err
}

// spoolClaimed is an envelope taken from the spool.
type spoolClaimed struct {
	entry      spoolEntry
	path, orig string
	data       []byte
	own        bool
}

// done removes a claimed envelope (sent, or unusable).
func (s *spool) done(c spoolClaimed) { os.Remove(c.path) }

// release puts a claimed envelope back, first in line, for a later
// attempt, and returns what the bounds then push out (writes made while it
// was claimed did not count it).
func (s *spool) release(c spoolClaimed) evicted {
	s.mu.Lock()
	defer s.mu.Unlock()
	if os.Rename(c.path, c.orig) != nil {
		return evicted{}
	}
	s.insertLocked(c.entry)
	return s.evictLocked()
}

// count returns how many envelopes the index holds.
func (s *spool) count() int { return int(s.n.Load()) }
