package core

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestUpdateInPlaceOnlyWhileUnseen: consecutive writes share one copy of
// the data, but never change a version a reader (a capture's snapshot, a
// fork) has.
func TestUpdateInPlaceOnlyWhileUnseen(t *testing.T) {
	s := NewScope()
	s.SetTag("a", "1")
	first := s.data
	s.SetUser(&User{ID: "u"})
	assert.Same(t, first, s.data, "unseen: changed in place")

	seen := s.snap().data
	s.SetTag("b", "2")
	assert.NotSame(t, seen, s.data)
	assert.Equal(t, map[string]string{"a": "1"}, seen.tags, "a snapshot does not change")
	assert.Equal(t, "u", seen.user.ID)

	f := s.fork()
	s.SetTransaction("x")
	assert.Empty(t, f.load().transaction, "a fork does not see later writes")
	assert.Equal(t, "x", s.load().transaction)

	s.Clear()
	s.SetTag("c", "3")
	assert.Empty(t, emptyScopeData.tags, "the shared empty data is never written")
}
