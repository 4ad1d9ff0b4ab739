package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The port line is found across split writes and after other output.
func TestFirstLineFindsTheJSONLine(t *testing.T) {
	w := &firstLine{ch: make(chan string, 1)}
	for _, chunk := range []string{"Debugger lis", "tening\n{\"po", "rt\":12}\n", "{\"port\":13}\n"} {
		n, err := w.Write([]byte(chunk))
		assert.NoError(t, err)
		assert.Equal(t, len(chunk), n)
	}
	select {
	case line := <-w.ch:
		assert.Equal(t, `{"port":12}`, line)
	default:
		t.Fatal("no line handed over")
	}
	select {
	case line := <-w.ch:
		t.Fatalf("a second line %q was handed over", line)
	default:
	}
}
