package zerologsentry

import (
	"bytes"
	"math"
)

// The hook and the stack marshaler leave a number in the event's bytes that
// the Writer cuts out before anything else sees the line. The field's key
// starts with a NUL character, which zerolog writes as \u0000: no key a
// program means to log looks like it by chance. One that does on purpose
// (a request's own data logged as fields) stays in the line and takes no
// value: the number is a token that only the hook and the marshaler make
// (see handoff).
//
//	hook:       ,"\u0000sentrylog":73014444096     a field, the event's last before the message
//	marshaler:  ,"\u0000sentrylog#85899345925"     the last element of the stack array
const (
	markerName   = "\x00sentrylog"
	markerPrefix = `"\u0000sentrylog`
	// markerSearch is what is searched for: it starts with a backslash,
	// rare in JSON, where a quote is in every field.
	markerSearch = `\u0000sentrylog`
)

// markers are the numbers found in one line.
type markers struct {
	ctx uint64 // the hook's: the record's context
	err uint64 // the stack marshaler's: the error
}

// indexMarker returns where markerSearch first occurs in p, or -1. It
// looks for backslashes, which only JSON escapes write, and compares at
// each: bytes.Index with this 16-byte needle compares at every offset of a
// line's last 64 bytes.
func indexMarker(p []byte) int {
	for off := 0; ; {
		i := bytes.IndexByte(p[off:], '\\')
		if i < 0 {
			return -1
		}
		off += i
		if bytes.HasPrefix(p[off:], markerSearchBytes) {
			return off
		}
		off++
	}
}

var markerSearchBytes = []byte(markerSearch)

// markerAt returns where the first possible marker in p starts (its quote),
// or -1.
func markerAt(p []byte) int {
	i := indexMarker(p)
	if i < 1 {
		return min(i, 0) // at 0 it has no quote before it: cutMarkers decides
	}
	return i - 1
}

// cutMarkers appends p to dst without its markers and returns the numbers.
// A text that only looks like a marker, its number included (one that is no
// token of this process), is copied unchanged.
func cutMarkers(dst, p []byte) ([]byte, markers) {
	var m markers
	for {
		i := indexMarker(p) - 1 // at the quote
		if i < -1 {
			return append(dst, p...), m
		}
		if i < 0 || p[i] != '"' {
			dst = append(dst, p[:i+len(markerPrefix)]...)
			p = p[i+len(markerPrefix):]
			continue
		}
		j := i + len(markerPrefix)
		// The byte before the marker: the end of dst when i is 0.
		var before byte
		if i > 0 {
			before = p[i-1]
		} else if len(dst) > 0 {
			before = dst[len(dst)-1]
		}
		isKey := false
		switch {
		case (before == ',' || before == '{') && j+1 < len(p) && p[j] == '"' && p[j+1] == ':':
			isKey = true
			j += 2
		case (before == ',' || before == '[') && j < len(p) && p[j] == '#':
			j++
		default:
			dst = append(dst, p[:j]...)
			p = p[j:]
			continue
		}
		// The number: a token (see handoff), 1 to 20 digits that fit in 64
		// bits.
		k, id, over := j, uint64(0), false
		for k < len(p) && k-j < 20 && p[k] >= '0' && p[k] <= '9' {
			d := uint64(p[k] - '0')
			if k-j == 19 { // only a 20th digit can overflow
				over = id > math.MaxUint64/10 || id == math.MaxUint64/10 && d > math.MaxUint64%10
			}
			id = id*10 + d
			k++
		}
		_, ours := idOf(id)
		if over || k == j || k < len(p) && p[k] >= '0' && p[k] <= '9' || !ours ||
			(!isKey && (k >= len(p) || p[k] != '"')) {
			dst = append(dst, p[:j]...)
			p = p[j:]
			continue
		}
		if !isKey {
			k++ // the closing quote
		}
		if isKey {
			m.ctx = id
		} else {
			m.err = id
		}
		// Cut the separator on one side: the comma before, else the one after.
		start, end := i, k
		switch {
		case start > 0 && p[start-1] == ',':
			start--
		case start == 0 && len(dst) > 0 && dst[len(dst)-1] == ',':
			dst = dst[:len(dst)-1]
		case end < len(p) && p[end] == ',':
			end++
		}
		dst = append(dst, p[:start]...)
		p = p[end:]
	}
}
