//go:build !amd64

package core

const fpWalkable = false

func getfp() uintptr { return 0 }
