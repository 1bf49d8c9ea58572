//go:build !linux

package engineio

import (
	"errors"
	"syscall"
)

// poller is available on Linux only; elsewhere every WebSocket has a reading goroutine.
type poller struct{}

func newPoller() (*poller, error) { return nil, errors.New("engineio: no poller on this system") }

func (p *poller) newToken() uint64 { return 0 }
func (p *poller) register(syscall.RawConn, uint64, func()) error {
	return errors.New("engineio: no poller on this system")
}
func (p *poller) arm(syscall.RawConn, uint64) error { return errors.New("engineio: no poller") }
func (p *poller) forget(uint64)                     {}
func (p *poller) close()                            {}
