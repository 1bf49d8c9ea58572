package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adminui"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

// defaultAdminUIDir is where `npm ci` in test/js puts the Admin UI's static files.
const defaultAdminUIDir = "test/js/node_modules/@socket.io/admin-ui/ui/dist"

// hostedAdminUI is the official hosted Admin UI, used when there is no local copy.
const hostedAdminUI = "https://admin.socket.io"

// adminUIConfig is what `gosockio serve --admin-ui…` is told.
type adminUIConfig struct {
	AdminUI         bool
	AdminUser       string
	AdminHash       string
	AdminMode       string
	AdminReadOnly   bool
	AdminServerID   string
	AdminUIDir      string
	AdminUIPath     string
	AdminNamespace  string
	adminUIResolved string // the directory served, "" for the hosted UI
}

// defineAdminUI declares the --admin-ui flags.
func (c *adminUIConfig) defineAdminUI(ef *envFlags) {
	ef.boolean(&c.AdminUI, "admin-ui", false, "instrument the server for the Socket.IO Admin UI (@socket.io/admin-ui 0.5.1) and serve the UI at --admin-ui-path, or point to "+hostedAdminUI)
	ef.str(&c.AdminUser, "admin-ui-user", "admin", "Admin UI user name")
	ef.str(&c.AdminHash, "admin-ui-password-hash", "", "bcrypt hash of the Admin UI password (e.g. from htpasswd -nbBC 10 '' PASSWORD); empty disables authentication")
	ef.str(&c.AdminMode, "admin-ui-mode", string(adminui.Development), "development (every socket and event) or production (statistics only)")
	ef.boolean(&c.AdminReadOnly, "admin-ui-readonly", false, "refuse the Admin UI's actions (emit, join, leave, disconnect)")
	ef.str(&c.AdminServerID, "admin-ui-server-id", "", "this server's name in the Admin UI; empty means the node name")
	ef.str(&c.AdminNamespace, "admin-ui-namespace", "/admin", "the Admin UI's namespace")
	dir := ""
	if st, err := os.Stat(defaultAdminUIDir); err == nil && st.IsDir() {
		dir = defaultAdminUIDir
	}
	ef.str(&c.AdminUIDir, "admin-ui-dir", dir, "the Admin UI's static files (the ui/dist directory of the @socket.io/admin-ui npm package); empty means the hosted UI, "+hostedAdminUI)
	ef.str(&c.AdminUIPath, "admin-ui-path", "/admin/", "where the Admin UI's files are served")
}

// validateAdminUI checks the --admin-ui flags.
func (c *adminUIConfig) validateAdminUI() error {
	if !c.AdminUI {
		return nil
	}
	if c.AdminMode != string(adminui.Development) && c.AdminMode != string(adminui.Production) {
		return fmt.Errorf("--admin-ui-mode %q: want development or production", c.AdminMode)
	}
	if !strings.HasPrefix(c.AdminUIPath, "/") || !strings.HasSuffix(c.AdminUIPath, "/") {
		return fmt.Errorf("--admin-ui-path %q: must start and end with /", c.AdminUIPath)
	}
	if c.AdminUIDir != "" {
		if _, err := os.Stat(filepath.Join(c.AdminUIDir, "index.html")); err != nil {
			return fmt.Errorf("--admin-ui-dir: not the Admin UI's ui/dist directory: %w", err)
		}
		c.adminUIResolved = c.AdminUIDir
	}
	return nil
}

// adminUICORS lets the hosted Admin UI, which connects with credentials, reach the server
// when no local copy is served.
func (c *adminUIConfig) adminUICORS(opts *socketio.Options) {
	if !c.AdminUI || c.adminUIResolved != "" {
		return
	}
	cors := &engineio.CORSOptions{Credentials: true}
	if opts.Engine.CORS != nil {
		cp := *opts.Engine.CORS
		cors = &cp
		cors.Credentials = true
	}
	if len(cors.Origins) > 0 && !slices.Contains(cors.Origins, hostedAdminUI) {
		cors.Origins = append(slices.Clip(cors.Origins), hostedAdminUI)
	} else if len(cors.Origins) == 0 {
		cors.Origins = []string{hostedAdminUI}
	}
	opts.Engine.CORS = cors
}

// instrumentAdminUI instruments srv with --admin-ui's settings (the session store in Redis
// when the node has one, shared with the cluster's other nodes), mounts the UI's files on mux
// and logs where to open it.
func instrumentAdminUI(c *serveConfig, srv *socketio.Server, rdb *redis.Client, mux *http.ServeMux, addr string, log *slog.Logger) error {
	if !c.AdminUI {
		return nil
	}
	var auth adminui.Auth = adminui.NoAuth()
	if c.AdminHash != "" {
		auth = &adminui.BasicAuth{Username: c.AdminUser, PasswordHash: c.AdminHash}
	} else {
		log.Warn("Admin UI: authentication is disabled (--admin-ui-password-hash): whoever reaches the server can watch it and act on its sockets")
	}
	id := c.AdminServerID
	if id == "" {
		id = c.NodeName
	}
	opts := adminui.Options{
		Auth:          auth,
		NamespaceName: c.AdminNamespace,
		ReadOnly:      c.AdminReadOnly,
		ServerID:      id,
		Mode:          adminui.Mode(c.AdminMode),
		Logger:        log,
	}
	if rdb != nil {
		opts.Store = adminui.NewRedisStore(rdb, adminui.RedisStoreOptions{})
	}
	if _, err := adminui.Instrument(srv, opts); err != nil {
		return errors.Join(errors.New("--admin-ui"), err)
	}
	server := "http://" + addr
	path := strings.TrimSuffix(c.Path, "/")
	if c.adminUIResolved == "" {
		log.Info("Admin UI: no local copy (--admin-ui-dir): open the hosted UI and connect to this server",
			"ui", hostedAdminUI, "server_url", server, "path", path, "namespace", opts.NamespaceName)
		return nil
	}
	mux.Handle(c.AdminUIPath, http.StripPrefix(c.AdminUIPath, http.FileServer(http.Dir(c.adminUIResolved))))
	log.Info("Admin UI", "url", server+c.AdminUIPath, "server_url", server, "path", path, "namespace", opts.NamespaceName, "dir", c.adminUIResolved)
	return nil
}
