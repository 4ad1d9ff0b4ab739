package core

// fpWalkable says whether stackPCs may walk frame pointers: on amd64 every
// Go frame saves its caller's frame pointer below its return address.
const fpWalkable = true

// getfp returns its caller's frame pointer (stackpcs_amd64.s).
func getfp() uintptr
