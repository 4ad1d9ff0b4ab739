package scrub

import (
	"bytes"
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// keySet matches normalised keys against exact entries and '*' patterns.
type keySet struct {
	exact    map[string]struct{}
	contains [][]byte
	prefix   [][]byte
	suffix   [][]byte
	// exactBits has the bit exactHash(k) set for every exact entry k, so
	// most keys are told apart from the entries without a map look-up.
	exactBits [1 << 16 / 64]uint64
	// byFirst lists the contains patterns by their first byte, so most
	// positions of a key are skipped with one table look-up.
	byFirst [256][][]byte
	// minLen is the length of the shortest entry: shorter keys never match.
	minLen int
	// prefixFirst and suffixLast mark the first bytes of prefix patterns
	// and the last bytes of suffix patterns.
	prefixFirst, suffixLast [256]bool
}

// exactHash mixes a normalised key's length, first, second and last bytes.
func exactHash(n []byte) uint16 {
	h := uint16(n[0])<<8 | uint16(n[len(n)-1])
	h ^= uint16(len(n)) * 0x9e37
	if len(n) > 1 {
		h ^= uint16(n[1]) * 0x3b
	}
	return h
}

func newKeySet(lists ...[]string) *keySet {
	ks := &keySet{exact: map[string]struct{}{}}
	for _, list := range lists {
		for _, e := range list {
			ks.add(e)
		}
	}
	return ks
}

func (ks *keySet) add(entry string) {
	lead := strings.HasPrefix(entry, "*")
	trail := len(entry) > 1 && strings.HasSuffix(entry, "*")
	core := strings.Trim(entry, "*")
	n := []byte(normalizeKey(nil, core))
	if len(n) == 0 {
		return
	}
	if ks.minLen == 0 || len(n) < ks.minLen {
		ks.minLen = len(n)
	}
	switch {
	case lead && trail:
		ks.contains = append(ks.contains, n)
		ks.byFirst[n[0]] = append(ks.byFirst[n[0]], n)
	case lead:
		ks.suffix = append(ks.suffix, n)
		ks.suffixLast[n[len(n)-1]] = true
	case trail:
		ks.prefix = append(ks.prefix, n)
		ks.prefixFirst[n[0]] = true
	default:
		ks.exact[string(n)] = struct{}{}
		h := exactHash(n)
		ks.exactBits[h/64] |= 1 << (h % 64)
	}
}

// normalizeKey appends k to dst with ASCII letters lowered and '-', '_' and
// '.' removed.
func normalizeKey(dst []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// maxKeyInline is the longest key normalised without allocating.
const maxKeyInline = 64

// match reports whether key is in the set. A dotted key (a flattened path
// such as user.ip_address or http.request.header.authorization) also
// matches when its last segment does.
func (ks *keySet) match(key string) bool {
	if ks == nil || key == "" {
		return false
	}
	var buf [maxKeyInline]byte
	var n []byte
	if len(key) <= maxKeyInline {
		n = normalizeKey(buf[:0], key)
	} else {
		n = normalizeKey(nil, key)
	}
	if ks.matchNormalized(n) {
		return true
	}
	if dot := strings.LastIndexByte(key, '.'); dot >= 0 && dot+1 < len(key) {
		last := key[dot+1:]
		if len(last) <= maxKeyInline {
			n = normalizeKey(buf[:0], last)
		} else {
			n = normalizeKey(nil, last)
		}
		return ks.matchNormalized(n)
	}
	return false
}

func (ks *keySet) matchNormalized(n []byte) bool {
	if len(n) == 0 || len(n) < ks.minLen {
		return false
	}
	if h := exactHash(n); ks.exactBits[h/64]&(1<<(h%64)) != 0 {
		if _, ok := ks.exact[string(n)]; ok {
			return true
		}
	}
	if ks.suffixLast[n[len(n)-1]] {
		for _, p := range ks.suffix {
			if bytes.HasSuffix(n, p) {
				return true
			}
		}
	}
	if ks.prefixFirst[n[0]] {
		for _, p := range ks.prefix {
			if bytes.HasPrefix(n, p) {
				return true
			}
		}
	}
	if len(ks.contains) == 0 {
		return false
	}
	for i, c := range n {
		for _, p := range ks.byFirst[c] {
			if bytes.HasPrefix(n[i:], p) {
				return true
			}
		}
	}
	return false
}

// keyClass is what the scrubber does with a key's value.
type keyClass uint8

const (
	keyPlain   keyClass = iota // scrub the value
	keyDenied                  // replace the value
	keyAllowed                 // leave the value as it is
	keyCard                    // scrub the value; a plain number in it may be a card's
)

// keyCache remembers the class of recently seen map keys: events repeat
// the same attribute names, and a hit costs a hash and a compare instead of
// normalising and matching. It is a 4-way set-associative table whose
// slots are replaced whole, atomically, and only when their entry was not
// used since the last miss in its set (a clock bit), so keys that share a
// set do not evict each other on every event and a steady stream of events
// allocates nothing.
type keyCache struct {
	seed maphash.Seed
	sets [256][4]atomic.Pointer[cachedKey]
}

type cachedKey struct {
	key   string
	class keyClass
	used  atomic.Bool
}

// classify returns the class of a map key.
func (s *Scrubber) classify(key string) keyClass {
	set := &s.cache.sets[maphash.String(s.cache.seed, key)%uint64(len(s.cache.sets))]
	for i := range set {
		if c := set[i].Load(); c != nil && c.key == key {
			c.used.Store(true)
			return c.class
		}
	}
	class := keyPlain
	switch {
	case s.allowed(key):
		class = keyAllowed
	case s.deny.match(key):
		class = keyDenied
	case isCardKey(key):
		class = keyCard
	}
	if len(key) > maxKeyInline {
		return class
	}
	victim := -1
	for i := range set {
		if set[i].Load() == nil {
			victim = i
			break
		}
	}
	for i := 0; victim < 0 && i < len(set); i++ {
		if !set[i].Load().used.Swap(false) {
			victim = i
		}
	}
	if victim >= 0 {
		// A copy: a key read from text must not keep the whole text alive.
		set[victim].Store(&cachedKey{key: strings.Clone(key), class: class})
	}
	return class
}

// isCardKey reports whether a key names a card number (card, card_number,
// pan, cc_num, …): a plain number under it needs no other evidence.
func isCardKey(key string) bool {
	if dot := strings.LastIndexByte(key, '.'); dot >= 0 {
		key = key[dot+1:]
	}
	if len(key) > maxKeyInline {
		return false
	}
	var buf [maxKeyInline]byte
	return isCardWord(normalizeKey(buf[:0], key))
}
