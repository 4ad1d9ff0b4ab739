//go:build binary_log

package zerologsentry

import "github.com/sentrylog/sentrylog/internal/bridge"

// binaryLog says zerolog writes CBOR (the binary_log build tag). The Writer
// does not decode CBOR: it passes lines through and sends nothing.
const binaryLog = true

// ErrBinaryLog explains, through the client's debug log, why nothing is sent.
const errBinaryLog = "zerologsentry: built with the binary_log tag, so zerolog writes CBOR, " +
	"which zerologsentry does not decode: lines pass through to the output and nothing is sent to Sentry; " +
	"build without binary_log to send records"

func (w *Writer) cborOnce() {
	w.cbored.Do(func() { bridge.Debugf(w.client(), "%s", errBinaryLog) })
}
