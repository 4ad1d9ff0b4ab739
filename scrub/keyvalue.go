package scrub

import "strings"

// The key=value detector: the denylist applied to keys written in text.

// isKeyByte reports the bytes of a key written as key=value.
func isKeyByte(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

// endsValue reports the bytes that end an unquoted value in text.
func endsValue(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '&', ';', ',', '"', '\'', ')', ']', '}', '>', '<':
		return true
	}
	return false
}

// findKeyValues finds the values of denied keys written in text, as
// key=value (query and connection strings, logfmt) or "key": value (JSON).
func (s *Scrubber) findKeyValues(dst []Span, str string) []Span {
	for i := 1; i < len(str); i++ {
		switch c := str[i]; {
		case c == '=':
			k := i
			for k > 0 && isKeyByte(str[k-1]) {
				k--
			}
			if k == i || (i+1 < len(str) && str[i+1] == '=') || !s.denied(str[k:i]) {
				continue
			}
			if sp, ok := valueSpan(str, i+1); ok {
				dst = append(dst, sp)
				i = sp.End - 1
			}
		case c == ':' && str[i-1] == '"':
			// Keys longer than 64 bytes are not looked for, which also
			// keeps this search short.
			from := max(0, i-66)
			q := strings.LastIndexByte(str[from:i-1], '"')
			if q < 0 {
				continue
			}
			q += from
			// JSON inside a string arrives escaped: \"key\": \"value\".
			if !s.denied(strings.TrimSuffix(str[q+1:i-1], `\`)) {
				continue
			}
			j := i + 1
			for j < len(str) && str[j] == ' ' {
				j++
			}
			if sp, ok := valueSpan(str, j); ok {
				dst = append(dst, sp)
				i = sp.End - 1
			}
		}
	}
	return dst
}

// valueSpan returns the value starting at str[i]: the inside of a quoted
// string, or the run up to a terminator.
func valueSpan(str string, i int) (Span, bool) {
	if i >= len(str) || strings.HasPrefix(str[i:], Filtered) {
		return Span{}, false
	}
	if strings.HasPrefix(str[i:], `\"`) { // an escaped quote opens the value
		j := strings.Index(str[i+2:], `\"`)
		if j < 0 {
			j = len(str) - i - 2
		}
		if j == 0 || str[i+2:i+2+j] == Filtered {
			return Span{}, false
		}
		return Span{i + 2, i + 2 + j}, true
	}
	if q := str[i]; q == '"' || q == '\'' {
		j := i + 1
		for j < len(str) && str[j] != q {
			if str[j] == '\\' {
				j++
			}
			j++
		}
		j = min(j, len(str))
		if j == i+1 || str[i+1:j] == Filtered {
			return Span{}, false
		}
		return Span{i + 1, j}, true
	}
	if str[i] == '{' || str[i] == '[' {
		return Span{}, false
	}
	j := i
	for j < len(str) && !endsValue(str[j]) {
		j++
	}
	if j == i {
		return Span{}, false
	}
	return Span{i, j}, true
}
