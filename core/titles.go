package core

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// A sentinel is an error value with a name of its own, such as io.EOF:
// titles name it instead of its type, which is usually *errors.errorString.
type sentinel struct {
	err          error
	name, module string
}

// sentinelSet is the registry: pointer-typed sentinels (nearly all) in a
// map, the others (struct or string types) in a short list compared with ==.
// It is replaced whole on registration, so readers need no lock.
type sentinelSet struct {
	ptr      map[error]sentinel
	ptrTypes []reflect.Type // the types of ptr's keys: a few
	other    []sentinel
}

var (
	sentinels  atomic.Pointer[sentinelSet]
	sentinelMu sync.Mutex // serialises registrations
)

func init() {
	s := &sentinelSet{ptr: make(map[error]sentinel, 48)}
	for _, e := range []sentinel{
		{io.EOF, "io.EOF", "io"},
		{io.ErrUnexpectedEOF, "io.ErrUnexpectedEOF", "io"},
		{io.ErrClosedPipe, "io.ErrClosedPipe", "io"},
		{io.ErrShortWrite, "io.ErrShortWrite", "io"},
		{io.ErrShortBuffer, "io.ErrShortBuffer", "io"},
		{io.ErrNoProgress, "io.ErrNoProgress", "io"},
		{context.Canceled, "context.Canceled", "context"},
		{context.DeadlineExceeded, "context.DeadlineExceeded", "context"},
		{fs.ErrNotExist, "fs.ErrNotExist", "io/fs"},
		{fs.ErrExist, "fs.ErrExist", "io/fs"},
		{fs.ErrPermission, "fs.ErrPermission", "io/fs"},
		{fs.ErrClosed, "fs.ErrClosed", "io/fs"},
		{fs.ErrInvalid, "fs.ErrInvalid", "io/fs"},
		{os.ErrDeadlineExceeded, "os.ErrDeadlineExceeded", "os"},
		{os.ErrProcessDone, "os.ErrProcessDone", "os"},
		{os.ErrNoDeadline, "os.ErrNoDeadline", "os"},
		{net.ErrClosed, "net.ErrClosed", "net"},
		{net.ErrWriteToConnected, "net.ErrWriteToConnected", "net"},
		{http.ErrServerClosed, "http.ErrServerClosed", "net/http"},
		{http.ErrHandlerTimeout, "http.ErrHandlerTimeout", "net/http"},
		{http.ErrAbortHandler, "http.ErrAbortHandler", "net/http"},
		{http.ErrBodyReadAfterClose, "http.ErrBodyReadAfterClose", "net/http"},
		{http.ErrBodyNotAllowed, "http.ErrBodyNotAllowed", "net/http"},
		{http.ErrContentLength, "http.ErrContentLength", "net/http"},
		{http.ErrHijacked, "http.ErrHijacked", "net/http"},
		{http.ErrMissingFile, "http.ErrMissingFile", "net/http"},
		{http.ErrNoCookie, "http.ErrNoCookie", "net/http"},
		{http.ErrNoLocation, "http.ErrNoLocation", "net/http"},
		{http.ErrUseLastResponse, "http.ErrUseLastResponse", "net/http"},
		{http.ErrNotSupported, "http.ErrNotSupported", "net/http"},
		{http.ErrSchemeMismatch, "http.ErrSchemeMismatch", "net/http"},
		{http.ErrLineTooLong, "http.ErrLineTooLong", "net/http"},
		{http.ErrMissingBoundary, "http.ErrMissingBoundary", "net/http"},
		{sql.ErrNoRows, "sql.ErrNoRows", "database/sql"},
		{sql.ErrTxDone, "sql.ErrTxDone", "database/sql"},
		{sql.ErrConnDone, "sql.ErrConnDone", "database/sql"},
		{bufio.ErrTooLong, "bufio.ErrTooLong", "bufio"},
		{bufio.ErrBufferFull, "bufio.ErrBufferFull", "bufio"},
		{bufio.ErrNegativeCount, "bufio.ErrNegativeCount", "bufio"},
		{errors.ErrUnsupported, "errors.ErrUnsupported", "errors"},
	} {
		s.add(e)
	}
	sentinels.Store(s)
}

func (s *sentinelSet) add(e sentinel) {
	if t := reflect.TypeOf(e.err); t.Kind() == reflect.Pointer {
		s.ptr[e.err] = e
		if !slices.Contains(s.ptrTypes, t) {
			s.ptrTypes = append(s.ptrTypes, t)
		}
		return
	}
	for i := range s.other {
		if reflect.TypeOf(s.other[i].err) == reflect.TypeOf(e.err) && sameError(s.other[i].err, e.err) {
			s.other[i] = e
			return
		}
	}
	s.other = append(s.other, e)
}

// RegisterSentinel titles err, wherever a captured chain holds it (==), by
// name, such as "shop.ErrDeclined". Call it at start-up. It fails for a nil
// err, an empty name, or an err of a type that is not comparable.
func RegisterSentinel(err error, name string) error {
	if err == nil || name == "" {
		return errors.New("sentrylog: RegisterSentinel needs an error and a name")
	}
	if !reflect.TypeOf(err).Comparable() {
		return errors.New("sentrylog: RegisterSentinel: " + reflect.TypeOf(err).String() + " is not comparable")
	}
	module := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		module = name[:i]
	}
	sentinelMu.Lock()
	defer sentinelMu.Unlock()
	old := sentinels.Load()
	s := &sentinelSet{
		ptr:      make(map[error]sentinel, len(old.ptr)+1),
		ptrTypes: slices.Clone(old.ptrTypes),
		other:    slices.Clone(old.other),
	}
	for k, v := range old.ptr {
		s.ptr[k] = v
	}
	s.add(sentinel{err: err, name: name, module: module})
	sentinels.Store(s)
	return nil
}

// lookupSentinel returns the registered sentinel that e is. It never
// panics: a pointer is hashed by its address; other values are compared only
// with sentinels of their own type, and a comparison that panics (a struct
// holding an uncomparable value) is no match.
func lookupSentinel(e error) (s sentinel, ok bool) {
	set := sentinels.Load()
	t := reflect.TypeOf(e)
	if t.Kind() == reflect.Pointer {
		// Most errors of a chain are of no sentinel's type (wrappers):
		// a scan of the few types spares them the map's hashing.
		if !slices.Contains(set.ptrTypes, t) {
			return sentinel{}, false
		}
		s, ok = set.ptr[e]
		return s, ok
	}
	for i := range set.other {
		if reflect.TypeOf(set.other[i].err) == t && sameError(e, set.other[i].err) {
			return set.other[i], true
		}
	}
	return sentinel{}, false
}

func sameError(a, b error) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// anonymousTypes are error types that only wrap, group or carry text: their
// name says nothing about what went wrong. Type strings, as reflect prints
// them (package name, not path).
var anonymousTypes = map[string]bool{
	"*errors.errorString": true, // errors.New, fmt.Errorf without %w
	"*errors.joinError":   true, // errors.Join
	"*fmt.wrapError":      true, // fmt.Errorf with one %w
	"*fmt.wrapErrors":     true, // fmt.Errorf with several %w
	// github.com/pkg/errors
	"*errors.fundamental": true,
	"*errors.withStack":   true,
	"*errors.withMessage": true,
	// golang.org/x/xerrors
	"*xerrors.errorString": true,
	"*xerrors.wrapError":   true,
	"*xerrors.noWrapError": true,
	// github.com/go-errors/errors, github.com/hashicorp/go-multierror,
	// go.uber.org/multierr
	"*errors.Error":        true,
	"*multierror.Error":    true,
	"*multierr.multiError": true,
}

// anonymous reports whether t is an error type that names no kind of
// failure: a known wrapper, or an unexported wrapper by its name
// (withStack, wrapError, wrappedErr and the like, and pkg/errors'
// fundamental). A name that only starts with the same letters names a
// failure of its own: withdrawalError, wrappingPaperOutOfStock.
func anonymous(t reflect.Type, typ string) bool {
	if anonymousTypes[typ] {
		return true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	n := t.Name()
	if n == "fundamental" {
		return true
	}
	for _, p := range [...]string{"wrapped", "wrapper", "with", "wrap"} {
		if rest, ok := strings.CutPrefix(n, p); ok {
			// The prefix is a word of its own: the name ends, or a new
			// word (an upper-case letter, a digit, '_' or type
			// arguments) follows.
			return rest == "" || !('a' <= rest[0] && rest[0] <= 'z')
		}
	}
	return false
}

// maxTitleParts bounds the names a group's title lists.
const maxTitleParts = 3

// title returns the name of the most informative error of the tree under
// nodes[i], from the outside in: a sentinel's name, a TypedError's type, or
// the first Go type that is not an anonymous wrapper; a group is titled by
// the names of what it holds ("*fs.PathError + context.Canceled", "error"
// for a member with no better name). ok is false when the tree has no
// informative error.
func title(nodes []excNode, i int) (typ, module string, ok bool) {
	n := &nodes[i]
	if n.cut > 0 { // the marker of a cut chain: what is inside it counts
		return innerTitle(nodes, i)
	}
	if te, isTyped := n.err.(TypedError); isTyped {
		if typ, module, ok = ownType(te); ok {
			return typ, module, true
		}
	}
	if s, isSentinel := lookupSentinel(n.err); isSentinel {
		return s.name, s.module, true
	}
	t := reflect.TypeOf(n.err)
	typ = t.String()
	if !anonymous(t, typ) {
		_, module = errorType(n.err)
		return typ, module, true
	}
	if n.group {
		var parts []string
		more, named := false, false
		for j := i + 1; j < len(nodes); j++ {
			if nodes[j].parent != i {
				continue
			}
			name, _, ok := title(nodes, j)
			if ok {
				named = true
			} else {
				name = "error" // nothing more to say about it
			}
			switch {
			case containsString(parts, name):
			case len(parts) == maxTitleParts:
				more = true
			default:
				parts = append(parts, name)
			}
		}
		if !named {
			return "", "", false
		}
		s := strings.Join(parts, " + ")
		if more {
			s += " + …"
		}
		return s, "", true
	}
	return innerTitle(nodes, i)
}

// innerTitle is the title of what the single wrapper nodes[i] wraps.
func innerTitle(nodes []excNode, i int) (typ, module string, ok bool) {
	for j := i + 1; j < len(nodes); j++ {
		if nodes[j].parent == i {
			return title(nodes, j)
		}
	}
	return "", "", false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// groupName is the name of one error of a chain in storm control's group
// key: what its exception's type is, or what makes its title.
func groupName(e error) string {
	if te, ok := e.(TypedError); ok {
		if typ, _, ok := ownType(te); ok {
			return typ
		}
	}
	if s, ok := lookupSentinel(e); ok {
		return s.name
	}
	return reflect.TypeOf(e).String()
}
