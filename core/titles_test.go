package core

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Error types of a program, for the title table.
type notFound struct{ id string }

func (e notFound) Error() string { return "not found: " + e.id }

type validationError struct{ field string }

func (e *validationError) Error() string { return "invalid " + e.field }

// pkg/errors look-alikes: the same type names, with stacks.
type fundamental struct {
	msg string
	pcs []uintptr
}

func (e *fundamental) Error() string      { return e.msg }
func (e *fundamental) Callers() []uintptr { return e.pcs }

type withMessage struct {
	cause error
	msg   string
}

func (e *withMessage) Error() string { return e.msg + ": " + e.cause.Error() }
func (e *withMessage) Cause() error  { return e.cause }

type withStack struct {
	error
	pcs []uintptr
}

func (e *withStack) Cause() error       { return e.error }
func (e *withStack) Callers() []uintptr { return e.pcs }

//go:noinline
func pkgWrap(err error, msg string) error {
	pcs := make([]uintptr, 16)
	pcs = pcs[:runtime.Callers(2, pcs)]
	return &withStack{&withMessage{err, msg}, pcs}
}

//go:noinline
func pkgNew(msg string) error {
	pcs := make([]uintptr, 16)
	pcs = pcs[:runtime.Callers(2, pcs)]
	return &fundamental{msg, pcs}
}

type typedStandIn struct{ msg string }

func (e *typedStandIn) Error() string { return e.msg }
func (e *typedStandIn) ExceptionType() (string, string) {
	return "java.lang.IllegalStateException", "java.lang"
}

type constErr string

func (e constErr) Error() string { return string(e) }

var (
	errDeclined          = errors.New("card declined")
	errLocked   constErr = "account locked"
)

func init() {
	if err := RegisterSentinel(errDeclined, "shop.ErrDeclined"); err != nil {
		panic(err)
	}
	if err := RegisterSentinel(errLocked, "shop.ErrLocked"); err != nil {
		panic(err)
	}
}

func TestRegisterSentinelRejects(t *testing.T) {
	assert.Error(t, RegisterSentinel(nil, "x"))
	assert.Error(t, RegisterSentinel(errors.New("x"), ""))
	assert.Error(t, RegisterSentinel(sliceErrT{}, "x"), "an uncomparable type")
}

type sliceErrT []string

func (sliceErrT) Error() string { return "slice" }

// TestTitles: the outermost exception's type names the most informative
// error of the chain, its value stays the whole message, its Go type stays
// in mechanism data; the group key is stable across dynamic values and tells
// error kinds apart.
func TestTitles(t *testing.T) {
	tests := []struct {
		shape string
		make  func(v string) error // v: a dynamic value (an id, a path, a port)
		title string
		value string // for v = "1"
	}{
		{"missing file, wrapped", func(v string) error {
			_, err := os.Open("/nonexistent/" + v)
			return fmt.Errorf("load config: %w", err)
		}, "*fs.PathError", "load config: open /nonexistent/1: no such file or directory"},
		{"refused dial, wrapped twice", func(v string) error {
			err := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 5430 + len(v)},
				Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
			return fmt.Errorf("db %s: %w", v, fmt.Errorf("connect: %w", err))
		}, "*net.OpError", "db 1: connect: dial tcp 10.0.0.1:5431: connect: connection refused"},
		{"context deadline", func(v string) error { return fmt.Errorf("query %s: %w", v, context.DeadlineExceeded) },
			"context.DeadlineExceeded", "query 1: context deadline exceeded"},
		{"context canceled, twice wrapped", func(v string) error {
			return fmt.Errorf("job %s: %w", v, fmt.Errorf("step: %w", context.Canceled))
		}, "context.Canceled", "job 1: step: context canceled"},
		{"sql.ErrNoRows, wrapped twice", func(v string) error {
			return fmt.Errorf("user %s: %w", v, fmt.Errorf("select: %w", sql.ErrNoRows))
		}, "sql.ErrNoRows", "user 1: select: sql: no rows in result set"},
		{"JSON syntax error", func(v string) error {
			var x any
			return fmt.Errorf("decode %s: %w", v, json.Unmarshal([]byte("{"), &x))
		}, "*json.SyntaxError", "decode 1: unexpected end of JSON input"},
		{"unexpected EOF", func(v string) error {
			_, err := io.ReadFull(strings.NewReader(v), make([]byte, 8))
			return fmt.Errorf("read header: %w", err)
		}, "io.ErrUnexpectedEOF", "read header: unexpected EOF"},
		{"io.EOF bare", func(string) error { return io.EOF }, "io.EOF", "EOF"},
		{"custom value type", func(v string) error { return fmt.Errorf("get: %w", notFound{v}) },
			"core.notFound", "get: not found: 1"},
		{"custom pointer type", func(v string) error { return fmt.Errorf("form %s: %w", v, &validationError{"email"}) },
			"*core.validationError", "form 1: invalid email"},
		{"http client timeout", func(v string) error {
			return fmt.Errorf("fetch: %w", &url.Error{Op: "Get", URL: "http://api.internal/items/" + v, Err: context.DeadlineExceeded})
		}, "*url.Error", `fetch: Get "http://api.internal/items/1": context deadline exceeded`},
		{"fs.ErrNotExist", func(v string) error { return fmt.Errorf("cache %s: %w", v, fs.ErrNotExist) },
			"fs.ErrNotExist", "cache 1: file does not exist"},
		{"read deadline", func(v string) error {
			return &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
		}, "*net.OpError", "read tcp: i/o timeout"},
		{"os.ErrDeadlineExceeded", func(v string) error { return fmt.Errorf("conn %s: %w", v, os.ErrDeadlineExceeded) },
			"os.ErrDeadlineExceeded", "conn 1: i/o timeout"},
		{"server closed", func(string) error { return fmt.Errorf("serve: %w", http.ErrServerClosed) },
			"http.ErrServerClosed", "serve: http: Server closed"},
		{"strconv", func(v string) error {
			_, err := strconv.Atoi("x" + v)
			return fmt.Errorf("parse limit: %w", err)
		}, "*strconv.NumError", `parse limit: strconv.Atoi: parsing "x1": invalid syntax`},
		{"DNS", func(v string) error {
			return fmt.Errorf("resolve: %w", &net.DNSError{Err: "no such host", Name: "db" + v})
		},
			"*net.DNSError", "resolve: lookup db1: no such host"},
		{"errno", func(v string) error { return fmt.Errorf("write %s: %w", v, syscall.EPIPE) },
			"syscall.Errno", "write 1: broken pipe"},
		{"join", func(v string) error {
			return errors.Join(&fs.PathError{Op: "open", Path: v, Err: fs.ErrPermission}, context.Canceled)
		}, "*fs.PathError + context.Canceled", "open 1: permission denied\ncontext canceled"},
		{"two %w", func(v string) error { return fmt.Errorf("a %s: %w; b: %w", v, io.EOF, sql.ErrNoRows) },
			"io.EOF + sql.ErrNoRows", "a 1: EOF; b: sql: no rows in result set"},
		{"pkg/errors-style stack", func(v string) error { return pkgWrap(sql.ErrNoRows, "load "+v) },
			"sql.ErrNoRows", "load 1: sql: no rows in result set"},
		{"registered sentinel", func(v string) error { return fmt.Errorf("charge %s: %w", v, errDeclined) },
			"shop.ErrDeclined", "charge 1: card declined"},
		{"registered string sentinel", func(v string) error { return fmt.Errorf("login %s: %w", v, errLocked) },
			"shop.ErrLocked", "login 1: account locked"},
		{"TypedError", func(v string) error { return fmt.Errorf("replayed: %w", &typedStandIn{"bad state " + v}) },
			"java.lang.IllegalStateException", "replayed: bad state 1"},
		{"plain text, wrapped (anonymous)", func(v string) error { return fmt.Errorf("handler: %w", pkgNew("boom "+v)) },
			"*fmt.wrapError", "handler: boom 1"},
	}
	s, _ := testStorm(StormOptions{})
	p := &pending{}
	p.pcs = make([]uintptr, maxPCs)
	p.pcs = p.pcs[:runtime.Callers(1, p.pcs)] // one call site for every shape
	key := func(err error) uint64 { return s.key(&groupInput{p: p}, err) }
	c := &Client{}
	keys := map[uint64]string{}
	anonymousTitles := 0
	for _, tt := range tests {
		err := tt.make("1")
		exs := c.exceptions(err, "generic", true, nil)
		require.NotEmpty(t, exs, tt.shape)
		top := exs[len(exs)-1]
		k := key(err)
		t.Logf("%-32s %-34s %016x  %q", tt.shape, top.Type, k, top.Value)
		assert.Equal(t, tt.title, top.Type, tt.shape)
		assert.Equal(t, tt.value, top.Value, tt.shape)
		goType := fmt.Sprintf("%T", err)
		if tt.title != goType {
			assert.Equal(t, goType, top.Mechanism.Data["go_type"], "%s: the Go type stays visible", tt.shape)
		} else {
			assert.Nil(t, top.Mechanism.Data, tt.shape)
		}
		for _, e := range exs[:len(exs)-1] {
			assert.NotContains(t, e.Type, " + ", "%s: inner exceptions keep their Go types", tt.shape)
		}
		if anonymousTypes[top.Type] {
			anonymousTitles++
		}
		// Stable: other dynamic values, the same group and title.
		other := tt.make("22")
		assert.Equal(t, k, key(other), "%s: dynamic values do not split the group", tt.shape)
		oexs := c.exceptions(other, "generic", true, nil)
		assert.Equal(t, tt.title, oexs[len(oexs)-1].Type, tt.shape)
		// Distinct: every shape is its own group at this one call site.
		if prev, dup := keys[k]; dup {
			t.Errorf("%s and %s share a group", tt.shape, prev)
		}
		keys[k] = tt.shape
	}
	assert.GreaterOrEqual(t, len(tests), 20)
	assert.LessOrEqual(t, anonymousTitles, 1, "titled by an anonymous type")
}

// TestTitleBeforeSendWins: BeforeSend sees the default title and can
// replace it.
func TestTitleBeforeSendWins(t *testing.T) {
	mem := NewMemoryTransport()
	c, err := New(Options{Transport: mem, Storm: StormOptions{Disabled: true},
		BeforeSend: func(ev *Event, h *Hint) *Event {
			ex := &ev.Exception[len(ev.Exception)-1]
			if ex.Type == "sql.ErrNoRows" {
				ex.Type = "NotFound"
			}
			return ev
		}})
	require.NoError(t, err)
	defer c.Close(context.Background())
	c.CaptureException(context.Background(), fmt.Errorf("x: %w", sql.ErrNoRows))
	require.True(t, c.Flush(context.Background()))
	evs := mem.Events()
	require.Len(t, evs, 1)
	assert.Equal(t, "NotFound", evs[0].Exception[len(evs[0].Exception)-1].Type)
}

// TestDeepChainTitleAndGroup: a chain cut in the middle is still titled by
// its root cause, and its group tells root causes apart.
func TestDeepChainTitleAndGroup(t *testing.T) {
	deep := func(root error) error {
		err := root
		for i := 0; i < 40; i++ {
			err = fmt.Errorf("w%d: %w", i, err)
		}
		return err
	}
	c := &Client{}
	a, b := deep(&fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}), deep(io.ErrUnexpectedEOF)
	exs := c.exceptions(a, "generic", true, nil)
	assert.Equal(t, "*fs.PathError", exs[len(exs)-1].Type)
	exs = c.exceptions(b, "generic", true, nil)
	assert.Equal(t, "io.ErrUnexpectedEOF", exs[len(exs)-1].Type)

	s, _ := testStorm(StormOptions{})
	p := &pending{}
	p.pcs = make([]uintptr, maxPCs)
	p.pcs = p.pcs[:runtime.Callers(1, p.pcs)]
	assert.NotEqual(t, s.key(&groupInput{p: p}, a), s.key(&groupInput{p: p}, b))
	assert.Equal(t, s.key(&groupInput{p: p}, a), s.key(&groupInput{p: p}, deep(&fs.PathError{Op: "open", Path: "y", Err: fs.ErrNotExist})))
}

type structErr struct{ v any }

func (structErr) Error() string { return "struct" }

// TestSentinelLookupNeverPanics: a comparable type can hold an
// uncomparable value; comparing it with a sentinel of its type is no match.
func TestSentinelLookupNeverPanics(t *testing.T) {
	require.NoError(t, RegisterSentinel(structErr{v: 1}, "test.ErrStruct"))
	require.NoError(t, RegisterSentinel(structErr{v: 1}, "test.ErrStructRenamed"))
	s, ok := lookupSentinel(structErr{v: 1})
	assert.True(t, ok)
	assert.Equal(t, "test.ErrStructRenamed", s.name)
	assert.NotPanics(t, func() {
		_, ok = lookupSentinel(structErr{v: []int{1}})
	})
	assert.False(t, ok)
	assert.NotPanics(t, func() { _ = RegisterSentinel(structErr{v: []int{1}}, "test.Bad") })
	exs := (&Client{}).exceptions(fmt.Errorf("x: %w", structErr{v: []int{2}}), "generic", true, nil)
	assert.Equal(t, "core.structErr", exs[len(exs)-1].Type)
}
