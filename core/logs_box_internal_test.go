package core

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// boxString's value is a string to every reader, as a converted one is,
// and keeps the array it points into alive: strings boxed from arrays no
// longer referenced otherwise survive collections intact. Under -race the
// pointer conversions are checked (checkptr).
func TestBoxString(t *testing.T) {
	const n = 2000
	boxed := make([]any, 0, n)
	for i := range n {
		strs := make([]string, 4)
		for j := range strs {
			strs[j] = fmt.Sprintf("value %d/%d %s", i, j, strings.Repeat("x", i%50))
		}
		for j := range strs {
			boxed = append(boxed, boxString(&strs[j]))
		}
	}
	for range 3 {
		_ = make([]byte, 1<<20) // garbage, so the collector reuses memory
		runtime.GC()
	}
	for k, x := range boxed {
		i, j := k/4, k%4
		want := fmt.Sprintf("value %d/%d %s", i, j, strings.Repeat("x", i%50))
		var conv any = want
		require.Equal(t, conv, x, "%d", k)
		require.True(t, x == conv, "%d: ==", k)
		s, ok := x.(string)
		require.True(t, ok)
		require.Equal(t, want, s)
		require.Equal(t, reflect.String, reflect.ValueOf(x).Kind())
		require.Equal(t, want, reflect.ValueOf(x).String())
		require.Equal(t, want, fmt.Sprint(x))
		b, err := json.Marshal(x)
		require.NoError(t, err)
		wb, _ := json.Marshal(want)
		require.Equal(t, wb, b)
	}
	// As a map key (a scrubber may memoise by value) it hashes as the
	// string does.
	m := map[any]int{}
	for k, x := range boxed[:100] {
		m[x] = k
	}
	for k := range 100 {
		var conv any = fmt.Sprintf("value %d/%d %s", k/4, k%4, strings.Repeat("x", (k/4)%50))
		assert.Equal(t, k, m[conv])
	}
	var empty string
	assert.Equal(t, any(""), boxString(&empty))
}
