package scrub

import (
	"bytes"
	"strings"
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
	// first marks the bytes that start a contains pattern, so most
	// positions of a key are skipped with one table look-up.
	first [256]bool
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
	switch {
	case lead && trail:
		ks.contains = append(ks.contains, n)
		ks.first[n[0]] = true
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

// match reports whether key is in the set.
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
	return ks.matchNormalized(n)
}

func (ks *keySet) matchNormalized(n []byte) bool {
	if len(n) == 0 {
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
	for i := 0; i < len(n); i++ {
		if !ks.first[n[i]] {
			continue
		}
		for _, p := range ks.contains {
			if p[0] == n[i] && bytes.HasPrefix(n[i:], p) {
				return true
			}
		}
	}
	return false
}
