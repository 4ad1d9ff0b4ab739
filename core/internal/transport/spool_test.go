package transport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustSpool(t testing.TB, opts SpoolOptions) *spool {
	t.Helper()
	s, err := newSpool(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSpoolOrderAndClaims(t *testing.T) {
	s := mustSpool(t, SpoolOptions{Dir: t.TempDir()})
	for i := 0; i < 5; i++ {
		if _, err := s.write([]byte(fmt.Sprintf("env-%d", i)), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.count(); n != 5 {
		t.Fatalf("count = %d, want 5", n)
	}
	for i := 0; i < 5; i++ {
		c, ok := s.claim()
		if !ok {
			t.Fatalf("claim %d: empty", i)
		}
		if want := fmt.Sprintf("env-%d", i); string(c.data) != want || !c.own {
			t.Fatalf("claim %d = %q (own %v), want %q", i, c.data, c.own, want)
		}
		if i == 2 {
			s.release(c) // a failed attempt goes back, still first in line
			c, _ = s.claim()
			if string(c.data) != "env-2" {
				t.Fatalf("after release got %q", c.data)
			}
		}
		s.done(c)
	}
	if _, ok := s.claim(); ok {
		t.Fatal("claim on an empty spool")
	}
}

func TestSpoolBounds(t *testing.T) {
	s := mustSpool(t, SpoolOptions{Dir: t.TempDir(), MaxFiles: 3, MaxBytes: 1 << 20})
	evicted := 0
	for i := 0; i < 5; i++ {
		n, err := s.write([]byte(fmt.Sprintf("env-%d", i)), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		evicted += n.own
	}
	if evicted != 2 || s.count() != 3 {
		t.Fatalf("evicted %d, kept %d; want 2 and 3", evicted, s.count())
	}
	c, _ := s.claim()
	if string(c.data) != "env-2" {
		t.Fatalf("the oldest go first: got %q", c.data)
	}

	b := mustSpool(t, SpoolOptions{Dir: t.TempDir(), MaxBytes: 25})
	total := 0
	for i := 0; i < 4; i++ {
		n, _ := b.write([]byte("0123456789"), time.Time{}) // 10 bytes each
		total += n.own
	}
	if b.count() != 2 || total != 2 {
		t.Fatalf("byte bound: kept %d, evicted %d; want 2 and 2", b.count(), total)
	}
	if _, err := b.write(make([]byte, 26), time.Time{}); err == nil {
		t.Fatal("an envelope larger than the spool must be refused")
	}
}

func TestSpoolSkipsCorruptAndPartialFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "00000000000000000001-x-000001.env"), nil, 0o600)             // empty
	os.WriteFile(filepath.Join(dir, "00000000000000000002-x-000002.env.tmp"), []byte("p"), 0o600) // partial
	os.WriteFile(filepath.Join(dir, "unrelated.txt"), []byte("x"), 0o600)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, "00000000000000000002-x-000002.env.tmp"), old, old)
	s := mustSpool(t, SpoolOptions{Dir: dir}) // what a crashed process left
	s.write([]byte("good"), time.Time{})
	c, ok := s.claim()
	if !ok || string(c.data) != "good" {
		t.Fatalf("claim = %q %v, want the good envelope", c.data, ok)
	}
	s.done(c)
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		if de.Name() != "unrelated.txt" {
			t.Errorf("left behind: %s", de.Name())
		}
	}
}

func TestSpoolSharedByTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	a := mustSpool(t, SpoolOptions{Dir: dir})
	b := mustSpool(t, SpoolOptions{Dir: dir})
	b.tag = a.tag + "b" // distinct processes
	for i := 0; i < 100; i++ {
		a.write([]byte(fmt.Sprintf("a-%d", i)), time.Time{})
		b.write([]byte(fmt.Sprintf("b-%d", i)), time.Time{})
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for _, s := range []*spool{a, b} {
		wg.Add(1)
		go func(s *spool) {
			defer wg.Done()
			for {
				c, ok := s.claim()
				if !ok {
					return
				}
				mu.Lock()
				seen[string(c.data)]++
				mu.Unlock()
				s.done(c)
			}
		}(s)
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Fatalf("%d distinct envelopes sent, want 200", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s sent %d times", k, n)
		}
	}
}

func TestSpoolReclaimsStaleClaims(t *testing.T) {
	dir := t.TempDir()
	s := mustSpool(t, SpoolOptions{Dir: dir})
	s.write([]byte("orphan"), time.Time{})
	c, _ := s.claim() // the process "crashes" here, an hour ago
	i := strings.LastIndexByte(c.path, '-')
	stale := c.path[:i+1] + strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	if err := os.Rename(c.path, stale); err != nil {
		t.Fatal(err)
	}
	other := mustSpool(t, SpoolOptions{Dir: dir})
	got, ok := other.claim()
	if !ok || string(got.data) != "orphan" {
		t.Fatalf("a stale claim must be taken back: %q %v", got.data, ok)
	}
}

// prefillSpool writes n envelope files into dir as an earlier process
// would have left them.
func prefillSpool(t testing.TB, dir string, n int, env []byte) {
	t.Helper()
	for i := range n {
		name := fmt.Sprintf("%020d-earlier-%06d%s", i+1, i, spoolExt)
		if err := os.WriteFile(filepath.Join(dir, name), env, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// spoolWriteTime returns the time per write of n envelopes into s.
func spoolWriteTime(t testing.TB, s *spool, n int, env []byte) time.Duration {
	start := time.Now()
	for range n {
		if _, err := s.write(env, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	return time.Since(start) / time.Duration(n)
}

// TestSpoolWriteRateFlat: a write into a spool of 1,000 envelopes does
// not list the directory (it is indexed once, when the spool opens, and
// then at the rescan interval only), so it costs about what a write into an
// empty spool costs. The count of listings is the assertion; the medians of
// single writes, alternating between the two spools, are logged (a shared
// disk and CPU skew them: BenchmarkSpoolWrite measures the rate).
func TestSpoolWriteRateFlat(t *testing.T) {
	env := bytes.Repeat([]byte("x"), 3000)
	const writes = 80
	e := mustSpool(t, SpoolOptions{Dir: t.TempDir()})
	dir := t.TempDir()
	prefillSpool(t, dir, 1000, env)
	f := mustSpool(t, SpoolOptions{Dir: dir})
	if f.count() != 1000 {
		t.Fatalf("indexed %d of 1000 files", f.count())
	}
	listings := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.rescans
	}
	before := listings()
	var empty, full []time.Duration
	start := time.Now()
	for range writes {
		empty = append(empty, spoolWriteTime(t, e, 1, env))
		full = append(full, spoolWriteTime(t, f, 1, env))
	}
	elapsed := time.Since(start)
	slices.Sort(empty)
	slices.Sort(full)
	me, mf := empty[writes/2], full[writes/2]
	t.Logf("median write: empty %v, at 1,000 files %v: rate ratio %.2f", me, mf, float64(me)/float64(mf))
	// The interval may pass once or more during the writes on a slow disk:
	// one listing per interval, never one per write.
	allowed := 1 + int(elapsed/spoolRescan)
	if got := listings() - before; got > allowed || got >= writes {
		t.Errorf("%d writes listed the directory %d times in %v, want at most %d", writes, got, elapsed, allowed)
	}
}

// BenchmarkSpoolWrite writes 3 KB envelopes into an empty spool and into
// one holding 1,000 (a full spool at its bound evicts one per write).
func BenchmarkSpoolWrite(b *testing.B) {
	env := bytes.Repeat([]byte("x"), 3000)
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			prefillSpool(b, dir, n, env)
			s := mustSpool(b, SpoolOptions{Dir: dir, MaxFiles: max(n, 1)})
			b.SetBytes(int64(len(env)))
			b.ResetTimer()
			for range b.N {
				if _, err := s.write(env, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSpoolIndexSeesOtherWriters: the index is the directory as last
// listed; what another process writes is found once the index runs empty
// (at most once per spoolRescan) or on an explicit rescan.
func TestSpoolIndexSeesOtherWriters(t *testing.T) {
	dir := t.TempDir()
	a := mustSpool(t, SpoolOptions{Dir: dir})
	b := mustSpool(t, SpoolOptions{Dir: dir})
	b.tag = a.tag + "b"
	for i := range 3 {
		b.write([]byte(fmt.Sprint("b-", i)), time.Time{})
	}
	if a.count() != 0 {
		t.Fatalf("a indexed %d before a rescan", a.count())
	}
	a.rescan(0)
	if a.count() != 3 {
		t.Fatalf("a indexed %d after a rescan, want 3", a.count())
	}
	c, ok := a.claim()
	if !ok || string(c.data) != "b-0" || c.own {
		t.Fatalf("claim = %q own=%v ok=%v", c.data, c.own, ok)
	}
	a.done(c)
	// b does not know a took it: its claim skips the missing file.
	for i := 1; i < 3; i++ {
		c, ok := b.claim()
		if !ok || string(c.data) != fmt.Sprint("b-", i) {
			t.Fatalf("b's claim %d = %q %v", i, c.data, ok)
		}
		b.done(c)
	}
	if _, ok := a.claim(); ok {
		t.Fatal("a claimed an envelope b sent")
	}
}
