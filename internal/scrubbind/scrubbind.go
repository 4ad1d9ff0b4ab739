// Package scrubbind lets the core hand its client options to a scrubber of
// package scrub that the program built itself, without a public API for it:
// package scrub sets Bind when it is initialised, and the core calls it
// when a client is made.
package scrubbind

// Bind returns a scrubber with the rules of s that also honours a client's
// SendDefaultPII (pii) and request body limit (bodyLimit: -1 none, 0 drop
// every body, else the largest kept), and true; or s and false when s is
// not a scrubber of package scrub. Nil until package scrub is initialised,
// which the core's import of it guarantees.
var Bind func(s any, pii bool, bodyLimit int) (any, bool)
