package core

import (
	"time"
	"unsafe"
)

// logText is where the log worker writes the text of values it converts
// (durations): strings cut from an array that is never written again once
// a string points into it, so that a value costs no allocation of its own.
type logText struct {
	buf []byte
}

// logTextChunk is the size of the arrays logText cuts strings from.
const logTextChunk = 4096

// duration returns d as time.Duration.String writes it.
func (t *logText) duration(d time.Duration) string {
	if cap(t.buf)-len(t.buf) < 32 {
		t.buf = make([]byte, 0, logTextChunk)
	}
	start := len(t.buf)
	t.buf = appendDuration(t.buf, d)
	s := t.buf[start:]
	return unsafe.String(unsafe.SliceData(s), len(s))
}

// appendDuration appends d as time.Duration.String writes it.
func appendDuration(b []byte, d time.Duration) []byte {
	var arr [32]byte
	buf := arr[:]
	w := len(buf)
	u := uint64(d)
	neg := d < 0
	if neg {
		u = -u
	}
	if u < uint64(time.Second) {
		// Below a second, in the unit that keeps it above 1: 1.2ms.
		var prec int
		w--
		buf[w] = 's'
		w--
		switch {
		case u == 0:
			buf[w] = '0'
			return append(b, buf[w:]...)
		case u < uint64(time.Microsecond):
			prec = 0
			buf[w] = 'n'
		case u < uint64(time.Millisecond):
			prec = 3
			w-- // µ is two bytes
			copy(buf[w:], "µ")
		default:
			prec = 6
			buf[w] = 'm'
		}
		w, u = durationFrac(buf[:w], u, prec)
		w = durationInt(buf[:w], u)
	} else {
		w--
		buf[w] = 's'
		w, u = durationFrac(buf[:w], u, 9)
		w = durationInt(buf[:w], u%60) // seconds
		u /= 60
		if u > 0 {
			w--
			buf[w] = 'm'
			w = durationInt(buf[:w], u%60) // minutes
			u /= 60
			if u > 0 {
				w--
				buf[w] = 'h'
				w = durationInt(buf[:w], u) // hours
			}
		}
	}
	if neg {
		w--
		buf[w] = '-'
	}
	return append(b, buf[w:]...)
}

// durationFrac writes the fraction of v/10^prec before the end of buf,
// without trailing zeros (nor the point, when all are), and returns where
// it starts and v/10^prec.
func durationFrac(buf []byte, v uint64, prec int) (int, uint64) {
	w := len(buf)
	digits := false
	for range prec {
		digit := v % 10
		digits = digits || digit != 0
		if digits {
			w--
			buf[w] = byte(digit) + '0'
		}
		v /= 10
	}
	if digits {
		w--
		buf[w] = '.'
	}
	return w, v
}

// durationInt writes v before the end of buf and returns where it starts.
func durationInt(buf []byte, v uint64) int {
	w := len(buf)
	if v == 0 {
		w--
		buf[w] = '0'
		return w
	}
	for v > 0 {
		w--
		buf[w] = byte(v%10) + '0'
		v /= 10
	}
	return w
}
