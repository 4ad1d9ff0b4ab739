package scrub

import (
	"net/netip"
	"strings"
)

// The detectors of personal data: they run only without SendDefaultPII.

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// findEmails finds e-mail addresses, except the user of a URL and of an
// scp-style remote (user@host:path).
func findEmails(dst []Span, s string) []Span {
	for i := 1; i < len(s)-1; i++ {
		if s[i] != '@' {
			continue
		}
		l := i
		for l > 0 && isLocalByte(s[l-1]) {
			l--
		}
		for l < i && s[l] == '.' {
			l++
		}
		if l == i {
			continue
		}
		if l > 0 && (s[l-1] == '/' || s[l-1] == ':') && !strings.HasSuffix(s[:l], "mailto:") {
			continue // scheme://user@ or user:password@ — the URL detector's
		}
		r := i + 1
		for r < len(s) && (isAlnum(s[r]) || s[r] == '.' || s[r] == '-') {
			r++
		}
		for r > i+1 && (s[r-1] == '.' || s[r-1] == '-') {
			r--
		}
		domain := s[i+1 : r]
		dot := strings.LastIndexByte(domain, '.')
		if dot <= 0 || len(domain)-dot-1 < 2 || !isAlpha(domain[dot+1]) || !isAlnum(domain[0]) {
			continue
		}
		if scpPath(s, r) {
			continue // an scp-style remote, git@github.com:shop/orders.git
		}
		dst = append(dst, Span{l, r})
		i = r - 1
	}
	return dst
}

// scpPath reports whether s[r:] is the ":path" of an scp-style remote
// (git@github.com:shop/orders.git): a ':' and a word with a '/' in it, up
// to a space. An address and a password (bob@example.com:hunter2) is none.
func scpPath(s string, r int) bool {
	if r+1 >= len(s) || s[r] != ':' || s[r+1] == ' ' {
		return false
	}
	for j := r + 1; j < len(s) && j-r <= 256; j++ {
		switch s[j] {
		case '/':
			return true
		case ' ', '\t', '\n', '\r', '"', '\'', '@':
			return false
		}
	}
	return false
}

// findIPv4s finds the IPv4 addresses that can identify a person: public
// ones. Private, shared (100.64/10), loopback, link-local, multicast,
// broadcast and unspecified addresses name infrastructure and stay, and so
// do a public address with a port below 32768 (a server's: clients connect
// from ephemeral ports, 32768 and up), a network (203.0.113.0/24) and a
// dotted quad that is a version (see isVersionQuad).
func findIPv4s(dst []Span, s string) []Span {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '.' || s[i-1] == '_') {
			continue
		}
		end, ok := ipv4At(s, i)
		if !ok {
			continue
		}
		if personalIPv4(s, i, end) {
			dst = append(dst, Span{i, end})
		}
		i = end - 1
	}
	return dst
}

// personalIPv4 reports whether the address s[i:end] is a person's.
func personalIPv4(s string, i, end int) bool {
	a, err := netip.ParseAddr(s[i:end])
	if err != nil || !publicAddr(a) || isVersionQuad(s, i, end) {
		return false
	}
	if end < len(s) && s[end] == '/' {
		if p, n := leadingInt(s[end+1:]); n > 0 && n <= 2 && p < 32 {
			return false // a network
		}
	}
	return !serverPort(s, end)
}

// publicAddr reports whether a is a public unicast address.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() ||
		a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	if a.Is4() {
		b := a.As4()
		if b[0] == 100 && b[1]&0xc0 == 64 || b == [4]byte{255, 255, 255, 255} || b[0] == 0 {
			return false // shared address space (RFC 6598), broadcast, "this network"
		}
	}
	return true
}

// serverPort reports whether s[end:] is ":port" with a port below 32768.
func serverPort(s string, end int) bool {
	if end >= len(s) || s[end] != ':' {
		return false
	}
	p, n := leadingInt(s[end+1:])
	if n == 0 || n > 5 || end+1+n < len(s) && isAlnum(s[end+1+n]) {
		return false
	}
	return p > 0 && p < 32768
}

// leadingInt reads the decimal digits at the start of s.
func leadingInt(s string) (v, n int) {
	for n < len(s) && n < 6 && isDigit(s[n]) {
		v = v*10 + int(s[n]-'0')
		n++
	}
	return v, n
}

// isVersionQuad reports whether the dotted quad s[i:end] is a version: it
// follows the word version, ver, release, build, rev or revision (with a
// separator: "version 1.2.3.4", agent_version=1.2.3.4, "Release 4.3.2.1"),
// or a product token of a user agent (Chrome/120.0.0.0: a capitalised word
// and a slash), or is followed by a pre-release or build suffix
// (1.2.3.4-rc1, 1.2.3.4+build).
func isVersionQuad(s string, i, end int) bool {
	if end+1 < len(s) && (s[end] == '-' || s[end] == '+') && isAlpha(s[end+1]) {
		return true
	}
	if i > 1 && s[i-1] == '/' {
		k := i - 1
		for k > 0 && isAlnum(s[k-1]) {
			k--
		}
		if k < i-1 && 'A' <= s[k] && s[k] <= 'Z' {
			return true
		}
	}
	return afterVersionWord(s, i)
}

// findIPv6s finds public IPv6 addresses, as findIPv4s does: runs of hex
// digits, colons and dots with two colons or more that parse. A server's
// address with its port ([2001:db8::1]:443) stays.
func findIPv6s(dst []Span, s string) []Span {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isHex(c) && c != ':' {
			continue
		}
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '.' || s[i-1] == ':' || s[i-1] == '_') {
			continue
		}
		j, colons := i, 0
		for j < len(s) && (isHex(s[j]) || s[j] == ':' || s[j] == '.') {
			if s[j] == ':' {
				colons++
			}
			j++
		}
		if colons < 2 || j < len(s) && isAlnum(s[j]) {
			i = j
			continue
		}
		run := s[i:j]
		if len(run) > 1 && run[len(run)-1] == ':' && run[len(run)-2] != ':' {
			run = run[:len(run)-1]
		}
		if a, err := netip.ParseAddr(run); err == nil && a.Is6() && publicAddr(a) &&
			!(i > 0 && s[i-1] == '[' && i+len(run)+1 < len(s) && s[i+len(run)] == ']' && serverPort(s, i+len(run)+1)) {
			dst = append(dst, Span{i, i + len(run)})
		}
		i = j
	}
	return dst
}

// afterVersionWord reports whether s[:i] ends with version, ver, release,
// build, rev or revision and a separator (spaces, '=', ':' or a quote).
func afterVersionWord(s string, i int) bool {
	j := i
	for j > 0 && i-j < 4 && (s[j-1] == ' ' || s[j-1] == '=' || s[j-1] == ':' || s[j-1] == '"') {
		j--
	}
	if j == i {
		return false
	}
	k := j
	for k > 0 && j-k < 8 && isAlpha(s[k-1]) {
		k--
	}
	if k > 0 && isAlnum(s[k-1]) {
		return false
	}
	switch w := s[k:j]; len(w) {
	case 3:
		return hasFoldPrefix(w, "ver") || hasFoldPrefix(w, "rev")
	case 5:
		return hasFoldPrefix(w, "build")
	case 7:
		return hasFoldPrefix(w, "version") || hasFoldPrefix(w, "release")
	case 8:
		return hasFoldPrefix(w, "revision")
	}
	return false
}

// ipv4At parses a dotted quad at s[i:] and reports where it ends.
func ipv4At(s string, i int) (int, bool) {
	j := i
	for n := 0; n < 4; n++ {
		if n > 0 {
			if j >= len(s) || s[j] != '.' {
				return 0, false
			}
			j++
		}
		k := j
		v := 0
		for k < len(s) && isDigit(s[k]) && k-j < 4 {
			v = v*10 + int(s[k]-'0')
			k++
		}
		if k == j || k-j > 3 || v > 255 || (k-j > 1 && s[j] == '0') {
			return 0, false
		}
		j = k
	}
	if j < len(s) && (isAlnum(s[j]) || s[j] == '_' || s[j] == '.' && j+1 < len(s) && isDigit(s[j+1])) {
		return 0, false
	}
	return j, true
}
