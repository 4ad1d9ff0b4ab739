package core

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A group whose members wrap one sentinel error, too many to fit: the
// errors left out are counted once each, the sentinel once, not once per
// member that reaches it (40 members wrapping io.ErrUnexpectedEOF: 31
// kept, 11 left out, where 50 were counted).
func TestExceptionTreeSharedErrorCountedOnce(t *testing.T) {
	var errs []error
	for i := range 40 {
		errs = append(errs, fmt.Errorf("task %d: %w", i, io.ErrUnexpectedEOF))
	}
	nodes := appendExceptionTree(nil, errors.Join(errs...))
	kept, left := 0, 0
	for _, n := range nodes {
		if n.err != nil {
			kept++
		} else {
			left += n.cut
		}
	}
	assert.LessOrEqual(t, len(nodes), maxExceptions)
	assert.Equal(t, 42, kept+left, "the join, 40 members and the sentinel: kept %d, left out %d", kept, left)
}
