// Command run starts the cluster of docker-compose.yml with local processes: Redis, three
// gosockio nodes and nginx in front of them, with the chat demo. Run it from the repository
// root:
//
//	go run ./examples/cluster/run
//
// Redis is a redis-server process when one is installed, and otherwise the embedded Redis of
// node1 (gosockio serve --redis embedded:PORT); --redis URL uses a Redis you already run. nginx
// runs with examples/cluster/nginx.conf (local addresses swapped in) when it is installed;
// without it, open the nodes directly. The runner prints the URLs, streams every process's log
// with its name in front, and stops everything on Ctrl-C (SIGINT) or SIGTERM.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// nodeNames are the nodes of examples/cluster/nginx.conf.
var nodeNames = []string{"node1", "node2", "node3"}

type config struct {
	port      int    // nginx; 0 picks a free port
	nodePort  int    // node1; the others follow; 0 picks free ports
	redisPort int    // redis-server or the embedded Redis; 0 picks a free port
	redis     string // "", "embedded" or a URL
	bin       string
	dir       string
	noNginx   bool
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.IntVar(&c.port, "port", 8080, "nginx port on 127.0.0.1 (0: any free port)")
	fs.IntVar(&c.nodePort, "node-port", 3001, "port of node1 on 127.0.0.1; node2 and node3 take the next ones (0: any free ports)")
	fs.IntVar(&c.redisPort, "redis-port", 6380, "port of the Redis this runner starts (0: any free port)")
	fs.StringVar(&c.redis, "redis", "", `"" (redis-server if installed, else the embedded Redis), "embedded", or the redis:// URL of a Redis you run`)
	fs.StringVar(&c.bin, "bin", "", "gosockio binary to run (default: go build ./cmd/gosockio)")
	fs.StringVar(&c.dir, "dir", "", "directory for the nginx configuration and the logs (default: a temporary one, removed at exit)")
	fs.BoolVar(&c.noNginx, "no-nginx", false, "do not start nginx even if it is installed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "gosockio-cluster-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	dir, err := filepath.Abs(c.dir)
	if err != nil {
		return err
	}
	c.dir = dir

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cl := &cluster{cfg: c, out: out}
	defer cl.stopAll()
	if err := cl.start(ctx); err != nil {
		return err
	}
	for running := true; running; {
		select {
		case <-ctx.Done():
			fmt.Fprintln(out, "stopping…")
			running = false
		case p := <-cl.exited:
			// A node stopped on purpose shows the failover: its browsers reconnect through
			// nginx to another node. The rest goes on until Ctrl-C.
			cl.outMu.Lock()
			fmt.Fprintf(out, "%s exited (%v); the others go on (Ctrl-C stops everything)\n", p.name, exitStatus(p.err))
			cl.outMu.Unlock()
		}
	}
	if err := cl.stopAll(); err != nil {
		return err
	}
	fmt.Fprintln(out, "stopped")
	return nil
}

// proc is a child process whose output is copied to the runner's, each line prefixed with
// its name, and to a log file.
type proc struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

type cluster struct {
	cfg    config
	out    io.Writer
	outMu  sync.Mutex
	procs  []*proc
	exited chan *proc

	stopOnce sync.Once
	stopErr  error
}

// start builds gosockio if needed and starts Redis, the nodes (in turn) and nginx, then
// prints where they are.
func (cl *cluster) start(ctx context.Context) error {
	cl.exited = make(chan *proc, 8)
	if err := os.MkdirAll(filepath.Join(cl.cfg.dir, "logs"), 0o755); err != nil {
		return err
	}
	if err := cl.build(ctx); err != nil {
		return err
	}
	nodePorts := cl.pickPorts()
	redisURL, embedded, err := cl.startRedis(ctx)
	if err != nil {
		return err
	}
	nodes, err := cl.startNodes(ctx, nodePorts, redisURL, embedded)
	if err != nil {
		return err
	}
	front, err := cl.startNginx(ctx, nodePorts)
	if err != nil {
		return err
	}
	cl.printSummary(front, nodePorts, nodes, redisURL, embedded)
	return nil
}

// build builds ./cmd/gosockio into the runner's directory, unless --bin names a binary.
func (cl *cluster) build(ctx context.Context) error {
	if cl.cfg.bin != "" {
		return nil
	}
	if _, err := os.Stat("cmd/gosockio"); err != nil {
		return errors.New("run it from the repository root (cmd/gosockio not found), or pass --bin")
	}
	bin := filepath.Join(cl.cfg.dir, "gosockio")
	fmt.Fprintln(cl.out, "building ./cmd/gosockio")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gosockio")
	build.Stdout, build.Stderr = cl.out, cl.out
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/gosockio: %w", err)
	}
	cl.cfg.bin = bin
	return nil
}

// pickPorts sets the ports left at 0 to free ones and returns the nodes' ports.
func (cl *cluster) pickPorts() []int {
	c := &cl.cfg
	nodePorts := make([]int, len(nodeNames))
	for i := range nodePorts {
		nodePorts[i] = c.nodePort + i
		if c.nodePort == 0 {
			nodePorts[i] = freePort()
		}
	}
	if c.port == 0 {
		c.port = freePort()
	}
	if c.redisPort == 0 {
		c.redisPort = freePort()
	}
	return nodePorts
}

// startRedis starts redis-server when --redis is empty and one is installed, and returns the
// URL the nodes join; embedded means node1 is to start the embedded Redis at that URL.
func (cl *cluster) startRedis(ctx context.Context) (url string, embedded bool, err error) {
	c := cl.cfg
	local := fmt.Sprintf("redis://127.0.0.1:%d", c.redisPort)
	switch {
	case c.redis == "embedded":
		return local, true, nil
	case c.redis != "":
		return c.redis, false, nil
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return local, true, nil
	}
	if _, err := cl.spawn("redis", "redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(c.redisPort),
		"--save", "", "--appendonly", "no", "--dir", c.dir); err != nil {
		return "", false, err
	}
	if err := waitTCP(ctx, fmt.Sprintf("127.0.0.1:%d", c.redisPort)); err != nil {
		return "", false, fmt.Errorf("redis-server: %w", err)
	}
	return local, false, nil
}

// startNodes starts the nodes in turn: each once the previous one answers /readyz (node1 may
// hold the embedded Redis the others join).
func (cl *cluster) startNodes(ctx context.Context, nodePorts []int, redisURL string, embedded bool) ([]*proc, error) {
	nodes := make([]*proc, len(nodeNames))
	for i, name := range nodeNames {
		redisArg := redisURL
		if embedded && i == 0 {
			redisArg = fmt.Sprintf("embedded:%d", cl.cfg.redisPort)
		}
		p, err := cl.spawn(name, cl.cfg.bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", nodePorts[i]),
			"--node-name", name, "--redis", redisArg)
		if err != nil {
			return nil, err
		}
		nodes[i] = p
		if err := cl.waitReady(ctx, nodeURL(nodePorts[i])+"readyz"); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return nodes, nil
}

func nodeURL(port int) string { return fmt.Sprintf("http://127.0.0.1:%d/", port) }

// startNginx starts nginx in front of the nodes, unless --no-nginx or it is not installed,
// and returns its URL ("" without it).
func (cl *cluster) startNginx(ctx context.Context, nodePorts []int) (string, error) {
	if cl.cfg.noNginx {
		return "", nil
	}
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		fmt.Fprintln(cl.out, "nginx is not installed: open the nodes directly (apt-get install nginx for the load balancer)")
		return "", nil
	}
	conf, err := cl.nginxConf(nodePorts)
	if err != nil {
		return "", err
	}
	d := cl.cfg.dir
	if _, err := cl.spawn("nginx", nginx, "-p", d, "-c", conf, "-e", filepath.Join(d, "logs", "nginx-error.log"),
		"-g", "daemon off; pid "+filepath.Join(d, "nginx.pid")+";"); err != nil {
		return "", err
	}
	front := fmt.Sprintf("http://127.0.0.1:%d/", cl.cfg.port)
	if err := cl.waitReady(ctx, front+"healthz"); err != nil {
		return "", fmt.Errorf("nginx: %w", err)
	}
	return front, nil
}

// printSummary prints the URLs of nginx, the nodes and Redis, and where the logs are.
func (cl *cluster) printSummary(front string, nodePorts []int, nodes []*proc, redisURL string, embedded bool) {
	cl.outMu.Lock()
	defer cl.outMu.Unlock()
	fmt.Fprintln(cl.out, "")
	fmt.Fprintln(cl.out, "gosockio cluster is up:")
	if front != "" {
		fmt.Fprintf(cl.out, "  %-6s %s   (sticky on the gosockio_node cookie, else by client address)\n", "nginx", front)
	}
	for i, name := range nodeNames {
		fmt.Fprintf(cl.out, "  %-6s %s   (pid %d)\n", name, nodeURL(nodePorts[i]), nodes[i].cmd.Process.Pid)
	}
	if embedded {
		fmt.Fprintf(cl.out, "  %-6s %s   (embedded in node1)\n", "redis", redisURL)
	} else {
		fmt.Fprintf(cl.out, "  %-6s %s\n", "redis", redisURL)
	}
	fmt.Fprintf(cl.out, "  %-6s %s\n", "logs", filepath.Join(cl.cfg.dir, "logs"))
	fmt.Fprintln(cl.out, "Open the chat in two browsers (or through two nodes) and talk across nodes. Ctrl-C stops everything.")
}

// nginxConf writes examples/cluster/nginx.conf with local addresses and paths.
func (cl *cluster) nginxConf(nodePorts []int) (string, error) {
	src, err := os.ReadFile(filepath.Join("examples", "cluster", "nginx.conf"))
	if err != nil {
		return "", fmt.Errorf("nginx configuration: %w (run from the repository root)", err)
	}
	conf := string(src)
	for i, name := range nodeNames {
		conf = strings.ReplaceAll(conf, name+":3000", fmt.Sprintf("127.0.0.1:%d", nodePorts[i]))
	}
	if !strings.Contains(conf, "listen 80;") || !strings.Contains(conf, "http {") {
		return "", errors.New("examples/cluster/nginx.conf: no \"listen 80;\" or \"http {\" to rewrite")
	}
	conf = strings.Replace(conf, "listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", cl.cfg.port), 1)
	d := cl.cfg.dir
	local := "http {\n" +
		"    access_log " + filepath.Join(d, "logs", "nginx-access.log") + ";\n" +
		"    client_body_temp_path " + filepath.Join(d, "tmp", "body") + ";\n" +
		"    proxy_temp_path " + filepath.Join(d, "tmp", "proxy") + ";\n" +
		"    fastcgi_temp_path " + filepath.Join(d, "tmp", "fastcgi") + ";\n" +
		"    uwsgi_temp_path " + filepath.Join(d, "tmp", "uwsgi") + ";\n" +
		"    scgi_temp_path " + filepath.Join(d, "tmp", "scgi") + ";\n"
	conf = strings.Replace(conf, "http {\n", local, 1)
	if os.Geteuid() == 0 {
		conf = "user root;\n" + conf // the workers must reach the runner's directory
	}
	if err := os.MkdirAll(filepath.Join(d, "tmp"), 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(d, "nginx.conf")
	return path, os.WriteFile(path, []byte(conf), 0o644)
}

func (cl *cluster) spawn(name, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(cl.cfg.dir, "logs", name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	setParentDeathSignal(cmd)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		defer logFile.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			cl.outMu.Lock()
			fmt.Fprintf(cl.out, "%-6s | %s\n", name, line)
			cl.outMu.Unlock()
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		<-copied
		close(p.done)
		select {
		case cl.exited <- p:
		default:
		}
	}()
	cl.procs = append(cl.procs, p)
	return p, nil
}

func exitStatus(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// stopAll stops the processes in reverse order of start (nginx, nodes, Redis) with SIGTERM,
// then SIGKILL after 15 s.
func (cl *cluster) stopAll() error {
	cl.stopOnce.Do(func() {
		var errs []error
		for i := len(cl.procs) - 1; i >= 0; i-- {
			p := cl.procs[i]
			select {
			case <-p.done:
				continue
			default:
			}
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
				var exit *exec.ExitError
				if p.err != nil && !(errors.As(p.err, &exit) && !exit.Exited()) {
					errs = append(errs, fmt.Errorf("%s: %w", p.name, p.err))
				}
			case <-time.After(15 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.done
				errs = append(errs, fmt.Errorf("%s did not stop within 15s; killed", p.name))
			}
		}
		cl.stopErr = errors.Join(errs...)
	})
	return cl.stopErr
}

// waitReady polls url until it answers 200, a process exits, or 30 s pass.
func (cl *cluster) waitReady(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s: %s %s", url, resp.Status, strings.TrimSpace(string(body)))
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", last)
		case p := <-cl.exited:
			cl.exited <- p
			return fmt.Errorf("%s exited: %v (log: %s)", p.name, p.err, p.log)
		case <-tick.C:
		}
	}
}

func waitTCP(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s does not answer: %w", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
