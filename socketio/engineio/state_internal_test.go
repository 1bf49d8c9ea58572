package engineio

import "testing"

// TestStateTransitions pins the session's life: the only transitions are those of connState's
// diagram.
func TestStateTransitions(t *testing.T) {
	allowed := map[[2]connState]bool{
		{stateHandshake, stateOpen}:    true,
		{stateHandshake, stateClosing}: true,
		{stateHandshake, stateClosed}:  true,
		{stateOpen, stateUpgrading}:    true,
		{stateOpen, stateClosing}:      true,
		{stateOpen, stateClosed}:       true,
		{stateUpgrading, stateOpen}:    true,
		{stateUpgrading, stateClosing}: true,
		{stateUpgrading, stateClosed}:  true,
		{stateClosing, stateClosed}:    true,
	}
	for from := stateHandshake; from <= stateClosed; from++ {
		for to := stateHandshake; to <= stateClosed; to++ {
			if got, want := from.canGo(to), allowed[[2]connState{from, to}]; got != want {
				t.Errorf("%s -> %s allowed = %v, want %v", from, to, got, want)
			}
		}
	}
}
