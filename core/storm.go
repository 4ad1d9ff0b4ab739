package core

// STUB(owner: reliability helper) — replaced by real storm control.

// StormOptions configure storm control.
type StormOptions struct {
	// Disabled turns storm control off.
	Disabled bool
}

func (o *StormOptions) applyDefaults() {}

type storm struct{}

func newStorm(o StormOptions) *storm { return &storm{} }

func (s *storm) allow(ev *Event) bool { return true }
