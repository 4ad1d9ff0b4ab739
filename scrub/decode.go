package scrub

// Percent-encoded text: query strings, form bodies, URLs and text that
// quotes them carry secrets encoded (bob%40example.com,
// card=4111+1111+1111+1111, Authorization=Bearer+<token>). The detectors
// also run on the decoded text, and what they find there is replaced in the
// original, encoded form.

// maxDecodeRounds bounds the decoding of text encoded more than once (a URL
// in a query parameter of a URL).
const maxDecodeRounds = 3

// decoded is text decoded from an original, with the original byte range
// of each decoded byte.
type decoded struct {
	text       string
	start, end []int32 // text[i] comes from original[start[i]:end[i]]
}

// decodeOnce decodes %XX escapes and, when plus is true, '+' as a space. It
// reports false when there was nothing to decode.
func decodeOnce(s string, plus bool) (string, []int32, []int32, bool) {
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) || plus && s[i] == '+' {
			changed = true
			break
		}
	}
	if !changed {
		return s, nil, nil, false
	}
	b := make([]byte, 0, len(s))
	start := make([]int32, 0, len(s))
	end := make([]int32, 0, len(s))
	for i := 0; i < len(s); {
		c, w := s[i], 1
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c, w = unhex(s[i+1])<<4|unhex(s[i+2]), 3
		case plus && c == '+':
			c = ' '
		}
		b = append(b, c)
		start = append(start, int32(i))
		end = append(end, int32(i+w))
		i += w
	}
	return string(b), start, end, true
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// detectDecoded runs the detectors on the decoded forms of str and appends
// the spans they find, moved back onto str.
func (s *Scrubber) detectDecoded(spans []Span, str string, on uint16, m scanMode) []Span {
	cur := decoded{text: str}
	plus := true
	for range maxDecodeRounds {
		text, start, end, ok := decodeOnce(cur.text, plus)
		if !ok {
			break
		}
		if cur.start != nil { // compose with the rounds before
			for i := range start {
				start[i] = cur.start[start[i]]
				end[i] = cur.end[end[i]-1]
			}
		}
		cur = decoded{text: text, start: start, end: end}
		f := prescan(text) & on
		if f == 0 && len(s.det.custom) == 0 {
			continue
		}
		var inline [4]Span
		found := s.detect(inline[:0], text, f, m)
		for i := range s.det.custom {
			found = runCustom(found, &s.det.custom[i], text)
		}
		for _, sp := range found {
			sp.Start, sp.End = max(sp.Start, 0), min(sp.End, len(text))
			if sp.End <= sp.Start {
				continue
			}
			spans = append(spans, Span{int(start[sp.Start]), int(end[sp.End-1])})
		}
	}
	return spans
}
