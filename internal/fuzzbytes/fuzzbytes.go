// Package fuzzbytes reads values from a fuzzer's bytes, for the fuzz
// targets that build log attributes or fields of every kind from them.
package fuzzbytes

import "encoding/binary"

// Reader consumes Data from the front; once it is used up, every read
// returns zero.
type Reader struct {
	Data []byte
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.Data) == 0 {
		return 0
	}
	b := r.Data[0]
	r.Data = r.Data[1:]
	return b
}

// Uint64 reads up to eight bytes, little endian.
func (r *Reader) Uint64() uint64 {
	var b [8]byte
	n := copy(b[:], r.Data)
	r.Data = r.Data[n:]
	return binary.LittleEndian.Uint64(b[:])
}

// Take reads a length byte n and returns the next n bytes (fewer where
// Data runs out), for a nested reader of its own.
func (r *Reader) Take() []byte {
	n := min(int(r.Byte()), len(r.Data))
	b := r.Data[:n]
	r.Data = r.Data[n:]
	return b
}
