//go:build !linux

package main

import "os/exec"

// setParentDeathSignal does nothing outside Linux: stop the runner with Ctrl-C or SIGTERM.
func setParentDeathSignal(*exec.Cmd) {}
