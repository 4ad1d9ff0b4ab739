// Package hostile holds values whose methods misbehave (Error, String and
// MarshalJSON that panic, fail or return what is not JSON), for the fuzz
// targets and tests that check a bridge degrades visibly instead of
// panicking.
package hostile

import (
	"encoding/json"
	"errors"
)

// Err is an error whose Error returns S; on a nil *Err, Error panics, so a
// typed nil error is hostile too.
type Err struct{ S string }

// Error returns e.S, or panics when e is nil.
func (e *Err) Error() string {
	if e == nil {
		panic("nil *hostile.Err")
	}
	return e.S
}

// PanicErr is an error whose Error always panics with "Error exploded".
type PanicErr struct{}

// Error panics.
func (PanicErr) Error() string { panic("Error exploded") }

// PanicStringer's String always panics with "String exploded".
type PanicStringer struct{}

// String panics.
func (PanicStringer) String() string { panic("String exploded") }

// PanicJSON's MarshalJSON always panics with "MarshalJSON exploded".
type PanicJSON struct{ A int }

// MarshalJSON panics.
func (PanicJSON) MarshalJSON() ([]byte, error) { panic("MarshalJSON exploded") }

// Stringer returns S from String, or panics with S when Mode%3 == 0.
type Stringer struct {
	Mode byte
	S    string
}

// String returns s.S or panics, as Mode says.
func (s Stringer) String() string {
	if s.Mode%3 == 0 {
		panic(s.S)
	}
	return s.S
}

// JSON marshals, by Mode%4: 0, a valid JSON array holding S; 1, S as is
// (maybe not JSON at all); 2, an error; 3, a panic.
type JSON struct {
	Mode byte
	S    string
}

// MarshalJSON behaves as Mode says.
func (j JSON) MarshalJSON() ([]byte, error) {
	switch j.Mode % 4 {
	case 0:
		return json.Marshal([]string{j.S})
	case 1:
		return []byte(j.S), nil
	case 2:
		return nil, errors.New(j.S)
	default:
		panic(j.S)
	}
}
