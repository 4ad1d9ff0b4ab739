package core

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// SpoolOptions configure the offline spool: envelopes the transport cannot
// deliver (the receiver is down or answers 5xx, or Close's deadline leaves
// events queued) are written to a directory and sent, oldest first, when the
// receiver answers again or when a later process starts with the same
// directory.
type SpoolOptions struct {
	// Dir is the spool directory; empty turns the spool off (the default).
	// It is created when missing. Several processes may share it.
	Dir string
	// MaxFiles bounds the envelopes kept. Default 1000.
	MaxFiles int
	// MaxBytes bounds their total size. Default 64 MiB.
	MaxBytes int64
}

func (o *SpoolOptions) applyDefaults() {
	if o.MaxFiles <= 0 {
		o.MaxFiles = 1000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 20
	}
}

// File names: <unix nanos, 20 digits>-<process tag>-<seq>.env, so that a
// sorted listing is the order of writing; ".tmp" while being written and
// ".claim-<tag>" while a process sends it.
const (
	spoolExt   = ".env"
	spoolTmp   = ".tmp"
	spoolClaim = ".claim-"
	// staleClaim is when a claimed file whose process seems gone is taken
	// back: a crash between claim and delete must not lose the envelope.
	staleClaim = 2 * time.Minute
)

// spool is a directory of envelopes. Its methods are called by one
// goroutine of a process (the transport's worker); processes coordinate
// through atomic renames only.
type spool struct {
	opts SpoolOptions
	tag  string // this process's tag in file names
	seq  atomic.Uint64
	now  func() time.Time
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
	tag := strconv.Itoa(os.Getpid()) + "x" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	return &spool{opts: opts, tag: tag, now: time.Now}, nil
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

// write stores one envelope (serialized without sent_at) atomically. It
// returns the older envelopes removed to make room, so the caller can count
// them as cache_overflow.
func (s *spool) write(env []byte) (ev evicted, err error) {
	if int64(len(env)) > s.opts.MaxBytes {
		return ev, fmt.Errorf("envelope of %d bytes exceeds the spool's %d", len(env), s.opts.MaxBytes)
	}
	name := fmt.Sprintf("%020d-%s-%06d%s", s.now().UnixNano(), s.tag, s.seq.Add(1), spoolExt)
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
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.opts.Dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return ev, err
	}
	return s.evict(), nil
}

// list returns the spooled envelopes, oldest first.
func (s *spool) list() []spoolEntry {
	des, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return nil
	}
	out := make([]spoolEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		if !strings.HasSuffix(name, spoolExt) || de.IsDir() {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue
		}
		out = append(out, spoolEntry{name: name, size: info.Size(), own: s.owns(name)})
	}
	slices.SortFunc(out, func(a, b spoolEntry) int { return strings.Compare(a.name, b.name) })
	return out
}

func (s *spool) owns(name string) bool {
	return strings.Contains(name, "-"+s.tag+"-")
}

// evict removes the oldest envelopes beyond MaxFiles or MaxBytes.
func (s *spool) evict() (ev evicted) {
	entries := s.list()
	var total int64
	for _, e := range entries {
		total += e.size
	}
	for len(entries) > 0 && (len(entries) > s.opts.MaxFiles || total > s.opts.MaxBytes) {
		e := entries[0]
		entries = entries[1:]
		if os.Remove(filepath.Join(s.opts.Dir, e.name)) == nil {
			if e.own {
				ev.own++
			} else {
				ev.foreign++
			}
		}
		total -= e.size
	}
	return ev
}

// claim takes the oldest envelope for sending: it renames the file so that
// no other process sends it too, and returns its content. ok is false when
// the spool is empty. A file that cannot be read is removed and skipped.
func (s *spool) claim() (c spoolClaimed, ok bool) {
	s.reclaimStale()
	for _, e := range s.list() {
		from := filepath.Join(s.opts.Dir, e.name)
		to := from + spoolClaim + s.tag
		if os.Rename(from, to) != nil {
			continue // another process took it
		}
		now := s.now()
		os.Chtimes(to, now, now) // the claim's age starts now
		b, err := os.ReadFile(to)
		if err != nil || len(bytes.TrimSpace(b)) == 0 {
			os.Remove(to)
			continue
		}
		return spoolClaimed{path: to, orig: from, data: b, own: e.own}, true
	}
	return spoolClaimed{}, false
}

// spoolClaimed is an envelope taken from the spool.
type spoolClaimed struct {
	path, orig string
	data       []byte
	own        bool
}

// done removes a claimed envelope (sent, or unusable).
func (s *spool) done(c spoolClaimed) { os.Remove(c.path) }

// release puts a claimed envelope back for a later attempt.
func (s *spool) release(c spoolClaimed) { os.Rename(c.path, c.orig) }

// reclaimStale puts back envelopes claimed long ago by a process that
// never finished with them (it crashed).
func (s *spool) reclaimStale() {
	des, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return
	}
	now := s.now()
	for _, de := range des {
		name := de.Name()
		i := strings.Index(name, spoolExt+spoolClaim)
		if i < 0 {
			if strings.HasSuffix(name, spoolTmp) {
				if info, err := de.Info(); err == nil && now.Sub(info.ModTime()) > staleClaim {
					os.Remove(filepath.Join(s.opts.Dir, name)) // a partial write of a crashed process
				}
			}
			continue
		}
		info, err := de.Info()
		if err != nil || now.Sub(info.ModTime()) < staleClaim {
			continue
		}
		os.Rename(filepath.Join(s.opts.Dir, name), filepath.Join(s.opts.Dir, name[:i+len(spoolExt)]))
	}
}
