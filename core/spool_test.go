package core

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func mustSpool(t *testing.T, opts SpoolOptions) *spool {
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
	c, _ := s.claim() // the process "crashes" here
	old := time.Now().Add(-time.Hour)
	os.Chtimes(c.path, old, old)
	other := mustSpool(t, SpoolOptions{Dir: dir})
	got, ok := other.claim()
	if !ok || string(got.data) != "orphan" {
		t.Fatalf("a stale claim must be taken back: %q %v", got.data, ok)
	}
}
