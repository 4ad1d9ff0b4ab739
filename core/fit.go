package core

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
)

// Making an event over its size budget fit (trimEvent's later steps).

// waterLevel returns the length L (at least minCutLen) such that cutting
// every string longer than L to L saves at least excess bytes, the largest
// such L; minCutLen when even that does not save enough; 0 when nothing is
// longer than minCutLen.
func waterLevel(lens []int, excess int) int {
	slices.SortFunc(lens, func(a, b int) int { return cmp.Compare(b, a) })
	sum := 0
	for k := 1; k <= len(lens); k++ {
		sum += lens[k-1]
		next := minCutLen
		if k < len(lens) {
			next = max(lens[k], minCutLen)
		}
		// Cutting the k longest to L saves sum - k*L.
		if l := (sum - excess) / k; l >= next {
			return min(l, lens[k-1])
		}
	}
	if len(lens) == 0 {
		return 0
	}
	return minCutLen
}

// dropCrumbs drops the oldest breadcrumbs until the event fits budget, and
// puts a breadcrumb saying how many in their place. It returns the new size.
func dropCrumbs(ev *Event, size, budget int, sizes []int) int {
	if len(ev.Breadcrumbs) == 0 || len(sizes) != len(ev.Breadcrumbs) {
		return size
	}
	n := 0
	for n < len(sizes) && size > budget {
		size -= sizes[n]
		n++
	}
	note := Breadcrumb{
		Timestamp: ev.Breadcrumbs[n-1].Timestamp, Type: "default", Category: "sentrylog",
		Level:   LevelWarning,
		Message: strconv.Itoa(n) + " older breadcrumbs dropped: the event was over the size limit",
	}
	ev.Breadcrumbs = append([]Breadcrumb{note}, ev.Breadcrumbs[n:]...)
	return size + 160
}

// dropEntries replaces the largest entries of the contexts (other than the
// client's own) and of extra with a marker until the event fits budget. It
// returns the new size.
func dropEntries(ev *Event, size, budget int) int {
	type entry struct {
		ctx, key string // ctx "": extra
		size     int
	}
	var entries []entry
	for name, m := range ev.Contexts {
		if isDefaultContext(name) || name == "trace" {
			continue
		}
		for k, v := range m {
			entries = append(entries, entry{name, k, valueSize(v)})
		}
	}
	for k, v := range ev.Extra {
		entries = append(entries, entry{"", k, valueSize(v)})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(b.size, a.size) })
	ctxsCloned, extraCloned := false, false
	clonedCtx := map[string]bool{}
	for _, e := range entries {
		if size <= budget {
			break
		}
		marker := "[dropped: " + strconv.Itoa(e.size) + " bytes over the event size limit]"
		if e.ctx == "" {
			if !extraCloned {
				ev.Extra, extraCloned = maps.Clone(ev.Extra), true
			}
			ev.Extra[e.key] = marker
		} else {
			if !ctxsCloned {
				ev.Contexts, ctxsCloned = maps.Clone(ev.Contexts), true
			}
			if !clonedCtx[e.ctx] {
				ev.Contexts[e.ctx], clonedCtx[e.ctx] = maps.Clone(ev.Contexts[e.ctx]), true
			}
			ev.Contexts[e.ctx][e.key] = marker
		}
		size -= e.size - len(marker)
	}
	return size
}

// valueSize estimates the encoded size of a normalized value.
func valueSize(v any) int {
	var t trimmer
	t.value(v)
	return t.size
}
