//go:build !binary_log

package zerologsentry

// binaryLog says zerolog writes CBOR (the binary_log build tag).
const binaryLog = false

func (w *Writer) cborOnce() {}
