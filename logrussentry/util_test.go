package logrussentry_test

import (
	"math"
	"time"
)

func math_NaN() float64 { return math.NaN() }

func durationOf(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}
