package scrub

import (
	"bytes"
	"strings"
)

// The built-in detectors. Each appends the spans it finds in s to dst and
// returns dst; none allocates unless it finds something.

const (
	minCardDigits = 13
	maxCardDigits = 19
)

// isCard reports whether digits (ASCII digits only) is a card number: a
// length its network issues, a prefix of a known issuer (IIN) and a valid
// Luhn sum.
func isCard(digits string) bool {
	n := len(digits)
	if n < minCardDigits || n > maxCardDigits || !cardIIN(digits) {
		return false
	}
	sum := 0
	for i := 0; i < n; i++ {
		c := digits[n-1-i]
		if !isDigit(c) {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// cardIIN reports whether digits starts with the issuer prefix of a major
// network and has a length that network issues: Visa, Mastercard, American
// Express, Discover, Diners Club, JCB, UnionPay, Maestro and Mir.
func cardIIN(d string) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 >= 2200 && p4 <= 2204: // Mir
		return n >= 16
	case p4 == 6011, p2 == 65, p4 >= 6440 && p4 <= 6499, p2 == 62: // Discover, UnionPay
		return n >= 16
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16
	case p2 == 36, p2 == 38, p2 == 39, p4 >= 3000 && p4 <= 3059: // Diners Club
		return n >= 14
	case p2 == 50, p2 >= 56 && p2 <= 58, p2 == 63, p2 == 67: // Maestro
		return true
	}
	return false
}

// cardWords are the words that, just before a number, say it is a card's.
var cardWords = []string{"card", "pan", "cc", "ccn", "ccnum", "ccnumber", "ccno", "visa", "mastercard", "amex",
	"discover", "maestro", "jcb", "unionpay", "diners", "credit", "debit"}

// isCardWord reports whether w, a normalised key or a word of text, names a
// card number: it contains "card" or is one of cardWords.
func isCardWord(w []byte) bool {
	if len(w) == 0 {
		return false
	}
	if bytes.Contains(w, []byte("card")) {
		return true
	}
	for _, c := range cardWords {
		if string(w) == c {
			return true
		}
	}
	return false
}

// cardContextBefore reports whether the word before s[i] (skipping spaces
// and the punctuation of key=value, key: value and "#") names a card.
func cardContextBefore(s string, i int) bool {
	j := i
	for j > 0 && i-j < 4 && strings.IndexByte(" \t=:#\"'+", s[j-1]) >= 0 {
		j--
	}
	if j == i && i > 0 {
		return false
	}
	k := j
	for k > 0 && j-k < 32 && (isAlnum(s[k-1]) || s[k-1] == '_' || s[k-1] == '-' || s[k-1] == '.') {
		k--
	}
	var buf [32]byte
	return isCardWord(normalizeKey(buf[:0], s[k:j]))
}

// findCards finds card numbers. A number in groups of 3 to 6 digits
// separated by single spaces, dashes or pluses (4111 1111 1111 1111,
// 4111+1111+1111+1111 in a form) is a card when
// it passes isCard: the grouping is how cards are written. A number written
// plain (4111111111111111) is as likely an order id or a timestamp: it is a
// card only after a word naming a card ("card 4111…", "pan=4111…") or, with
// ctx, under a key naming one.
func findCards(dst []Span, s string, ctx bool) []Span {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) || (i > 0 && isAlnum(s[i-1])) {
			i++
			continue
		}
		// Read the run: groups of digits joined by single separators.
		type group struct{ start, end int }
		var groups [8]group
		ng := 0
		j := i
		for ng < len(groups) {
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			groups[ng] = group{j, k}
			ng++
			if k+1 < len(s) && (s[k] == ' ' || s[k] == '-' || s[k] == '+') && isDigit(s[k+1]) {
				j = k + 1
				continue
			}
			j = k
			break
		}
		end := groups[ng-1].end
		if end < len(s) && isAlpha(s[end]) {
			i = end
			continue
		}
		// Groups of 3 to 6 digits that together make a card number (the
		// longest from each group on), else plain numbers.
		for g := 0; g < ng; {
			var buf [maxCardDigits]byte
			n, last := 0, -1
			for h := g; h < ng; h++ {
				l := groups[h].end - groups[h].start
				if l < 3 || l > 6 || n+l > maxCardDigits {
					break
				}
				n += copy(buf[n:], s[groups[h].start:groups[h].end])
				if h > g && isCard(string(buf[:n])) {
					last = h
				}
			}
			if last >= 0 {
				dst = append(dst, Span{groups[g].start, groups[last].end})
				g = last + 1
				continue
			}
			d := s[groups[g].start:groups[g].end]
			if len(d) >= minCardDigits && isCard(d) && (ctx || cardContextBefore(s, groups[g].start)) {
				dst = append(dst, Span{groups[g].start, groups[g].end})
			}
			g++
		}
		i = end
	}
	return dst
}

func isToken68(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// findAuthorization finds the credentials after "Bearer " (a token of at
// least 12 characters with a digit, or of 20) and "Basic " (base64 of
// user:password).
func findAuthorization(dst []Span, s string) []Span {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c != 'b' || (i > 0 && isAlnum(s[i-1])) {
			continue
		}
		var bearer bool
		switch {
		case hasFoldPrefix(s[i+1:], "earer "):
			bearer = true
			i += 7
		case hasFoldPrefix(s[i+1:], "asic "):
			i += 6
		default:
			continue
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		start := i
		digits := 0
		for i < len(s) && isToken68(s[i]) {
			if isDigit(s[i]) {
				digits++
			}
			i++
		}
		for i < len(s) && s[i] == '=' {
			i++
		}
		tok := s[start:i]
		if i < len(s) && isAlnum(s[i]) {
			continue
		}
		if bearer && (len(tok) >= 20 || len(tok) >= 12 && digits > 0) ||
			!bearer && isBasicCredential(tok) {
			dst = append(dst, Span{start, i})
		}
		i--
	}
	return dst
}

// isBasicCredential reports whether tok is standard base64 whose decoding
// holds a ':' (user:password).
func isBasicCredential(tok string) bool {
	tok = strings.TrimRight(tok, "=")
	if len(tok) < 4 {
		return false
	}
	var acc uint32
	bits := 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		var v byte
		switch {
		case 'A' <= c && c <= 'Z':
			v = c - 'A'
		case 'a' <= c && c <= 'z':
			v = c - 'a' + 26
		case isDigit(c):
			v = c - '0' + 52
		case c == '+':
			v = 62
		case c == '/':
			v = 63
		default:
			return false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			if byte(acc>>bits) == ':' {
				return true
			}
		}
	}
	return false
}

func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// findJWTs finds header.payload.signature tokens whose header and payload
// are base64url JSON objects (they start with "eyJ").
func findJWTs(dst []Span, s string) []Span {
	for i := 0; i+3 <= len(s); i++ {
		if s[i] != 'e' || !strings.HasPrefix(s[i:], "eyJ") || (i > 0 && isB64URL(s[i-1])) {
			continue
		}
		j := i
		ok := true
		for part := 0; part < 3; part++ {
			k := j
			for k < len(s) && isB64URL(s[k]) {
				k++
			}
			if part < 2 && (k-j < 10 || k >= len(s) || s[k] != '.') {
				ok = false
				j = k
				break
			}
			j = k
			if part < 2 {
				j++ // the dot
			}
		}
		if ok {
			dst = append(dst, Span{i, j})
		}
		i = max(i, j-1)
	}
	return dst
}

// findPEMKeys finds "-----BEGIN … PRIVATE KEY-----" blocks to their END line.
func findPEMKeys(dst []Span, s string) []Span {
	const begin, dashes = "-----BEGIN ", "-----"
	for i := 0; ; {
		k := strings.Index(s[i:], begin)
		if k < 0 {
			return dst
		}
		start := i + k
		rest := s[start+len(begin):]
		l := strings.Index(rest, dashes)
		if l < 0 || l > 64 || !strings.HasSuffix(rest[:l], "PRIVATE KEY") && !strings.HasSuffix(rest[:l], "PRIVATE KEY BLOCK") {
			i = start + len(begin)
			continue
		}
		end := len(s)
		after := start + len(begin) + l + len(dashes)
		if e := strings.Index(s[after:], "-----END "); e >= 0 {
			tail := after + e + len("-----END ")
			if c := strings.Index(s[tail:], dashes); c >= 0 {
				end = tail + c + len(dashes)
			}
		}
		dst = append(dst, Span{start, end})
		i = end
	}
}

// findAWSKeys finds AWS access key ids: AKIA or ASIA and 16 upper-case
// letters or digits.
func findAWSKeys(dst []Span, s string) []Span {
	for i := 0; i+20 <= len(s); i++ {
		if s[i] != 'A' || !(strings.HasPrefix(s[i:], "AKIA") || strings.HasPrefix(s[i:], "ASIA")) {
			continue
		}
		if i > 0 && isAlnum(s[i-1]) {
			continue
		}
		j := i + 4
		for j < i+20 && (isDigit(s[j]) || 'A' <= s[j] && s[j] <= 'Z') {
			j++
		}
		if j == i+20 && (j == len(s) || !isAlnum(s[j])) {
			dst = append(dst, Span{i, j})
			i = j - 1
		}
	}
	return dst
}

// endsAuthority reports the bytes that end a URL's authority in text.
func endsAuthority(c byte) bool {
	switch c {
	case '/', '?', '#', ' ', '\t', '\r', '\n', '"', '\'', '<', '>', '`':
		return true
	}
	return false
}

// findURLPasswords finds the password of scheme://user:password@host.
func findURLPasswords(dst []Span, s string) []Span {
	for i := 0; ; {
		k := strings.Index(s[i:], "://")
		if k < 0 {
			return dst
		}
		at := i + k + 3
		i = at
		if k == 0 || !isAlnum(s[at-4]) {
			continue
		}
		end := at
		for end < len(s) && !endsAuthority(s[end]) {
			end++
		}
		authority := s[at:end]
		a := strings.LastIndexByte(authority, '@')
		if a < 0 {
			continue
		}
		c := strings.IndexByte(authority[:a], ':')
		if c < 0 || c+1 == a || authority[c+1:a] == Filtered {
			continue
		}
		dst = append(dst, Span{at + c + 1, at + a})
		i = end
	}
}

// dsnNets are what follows the '@' of a Go database DSN
// (user:password@tcp(host:3306)/db, the go-sql-driver/mysql form).
var dsnNets = []string{"tcp(", "tcp4(", "tcp6(", "unix(", "udp(", "/"}

// dsnHostAt returns the length of the DSN network at s[i:], or 0.
func dsnHostAt(s string, i int) int {
	for _, n := range dsnNets {
		if strings.HasPrefix(s[i:], n) {
			return len(n)
		}
	}
	return 0
}

// maxDSNUserinfo is the longest user:password findDSNPasswords reads.
const maxDSNUserinfo = 256

// findDSNPasswords finds the password of user:password@tcp(host)/db and
// user:password@/db, written without a scheme.
func findDSNPasswords(dst []Span, s string) []Span {
	for i := 1; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		if v := comboAt(s, i); v > 0 {
			end := v
			for end < len(s) && !endsValue(s[end]) {
				end++
			}
			if sp, ok := nonEmpty(v, end, s); ok {
				dst = append(dst, sp)
			}
			continue
		}
		if dsnHostAt(s, i+1) == 0 {
			continue
		}
		// The word before the '@': user:password, no spaces or quotes, of
		// at most maxDSNUserinfo bytes, which keeps the scan linear in text
		// with many '@' and no separator ("x@tcp(x@tcp(…").
		k := i
		for k > 0 && i-k < maxDSNUserinfo && !endsAuthority(s[k-1]) && s[k-1] != '=' && s[k-1] != ';' {
			k--
		}
		c := strings.IndexByte(s[k:i], ':')
		if c < 0 || k+c+1 == i || s[k+c+1:i] == Filtered {
			continue
		}
		dst = append(dst, Span{k + c + 1, i})
	}
	return dst
}

// comboAt reads an e-mail:password combination around the '@' at s[i]
// (bob@example.com:hunter2, as credential lists and basic-auth dumps write
// them) and returns where the password starts, or 0. A port
// (bob@example.com:8080) and an scp-style path (git@github.com:shop/x.git)
// are no password.
func comboAt(s string, i int) int {
	if i == 0 || !isAlnum(s[i-1]) && !strings.ContainsRune("._+-%", rune(s[i-1])) {
		return 0
	}
	j, dot := i+1, false
	for j < len(s) && j-i <= 253 && (isAlnum(s[j]) || s[j] == '-' || s[j] == '.') {
		dot = dot || s[j] == '.'
		j++
	}
	if !dot || j+1 >= len(s) || s[j] != ':' || !isAlpha(s[j-1]) {
		return 0
	}
	v := j + 1
	digits, end := true, v
	for end < len(s) && !endsValue(s[end]) {
		if s[end] == '/' {
			return 0
		}
		digits = digits && isDigit(s[end])
		end++
	}
	if end == v || digits {
		return 0
	}
	return v
}
