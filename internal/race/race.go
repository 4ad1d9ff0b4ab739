// Package race tells tests whether the race detector is on, so that the
// allocation tests, which the detector's instrumentation disturbs, can skip.
package race
