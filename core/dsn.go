package core

// STUB(owner: transport helper) — replaced by the real DSN parser.

import "fmt"

// DSN is a parsed Sentry DSN.
type DSN struct {
	raw string
}

// ParseDSN parses a DSN.
func ParseDSN(s string) (*DSN, error) {
	return nil, fmt.Errorf("%w: not implemented", ErrInvalidDSN)
}
