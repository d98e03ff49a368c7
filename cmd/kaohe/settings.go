package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/internal/mailaddr"
	"kaohe/mailbox"
	"kaohe/reply"
	"kaohe/roster"
	"kaohe/templates"
)

// mailboxConfig is the IMAP side of the configuration.
func mailboxConfig(cfg config.Config, opts daemonOptions, log zerolog.Logger) mailbox.Config {
	// /healthz counts the mailbox unreachable when it was not polled for
	// http.unhealthy_after: a quiet mailbox in IDLE is polled at least twice
	// in that time, or a short unhealthy_after would cry wolf.
	poll, idle := cfg.IMAP.PollInterval, cfg.IMAP.IdleMax
	if half := cfg.HTTP.UnhealthyAfter / 2; half > 0 {
		poll, idle = min(poll, half), min(idle, half)
	}
	return mailbox.Config{
		Addr: cfg.IMAP.Addr, TLS: mailbox.TLSMode(cfg.IMAP.TLS), TLSConfig: opts.IMAPTLS, CAFile: cfg.IMAP.CAFile,
		User: cfg.IMAP.User, Password: string(cfg.IMAP.Password),
		Mailbox: cfg.IMAP.Mailbox, Done: cfg.IMAP.Done,
		PollInterval: poll, IdleMax: idle, CommandTimeout: cfg.IMAP.CommandTimeout,
		MaxMessageSize: cfg.IMAP.MaxMessageSize, AllowFastAuthRetry: opts.FastRetry,
		Logger: log.With().Str("component", "imap").Logger(),
	}
}

// smtpConfig is the SMTP side of the configuration.
func smtpConfig(cfg config.Config, opts daemonOptions) reply.SMTPConfig {
	return reply.SMTPConfig{Addr: cfg.SMTP.Addr, TLS: string(cfg.SMTP.TLS), TLSConfig: opts.SMTPTLS, CAFile: cfg.SMTP.CAFile,
		User: cfg.SMTP.User, Password: string(cfg.SMTP.Password), Timeout: cfg.SMTP.Timeout}
}

func loadRoster(path string, log zerolog.Logger) (*roster.Roster, error) {
	if path == "" {
		log.Warn().Msg("no roster configured: every sender is unknown and agency types are inferred from unit names")
		return &roster.Roster{}, nil
	}
	r, problems, err := roster.Load(path)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w", path, err)
	}
	for _, p := range problems {
		log.Warn().Str("roster", path).Str("problem", p.String()).Msg("roster row skipped or doubtful")
	}
	for _, p := range r.AddressProblems() {
		log.Error().Str("roster", path).Str("problem", p.String()).Msg("roster address cannot be written to: mail to it will fail (kaohe config check)")
	}
	log.Info().Int("agencies", len(r.Agencies)).Msg("roster loaded")
	return r, nil
}

func composeOptions(cfg config.Config, form *templates.Form) (reply.ComposeOptions, error) {
	opts := reply.ComposeOptions{MsgIDDomain: cfg.MessageIDDomain(), Form: form,
		Contact: contactLine(cfg)}
	if cfg.Reply.From != "" {
		a, err := mailaddr.Parse(cfg.Reply.From)
		if err != nil {
			return opts, fmt.Errorf("from address %q: %w", cfg.Reply.From, err)
		}
		opts.From, opts.FromName = a.Address, a.Name
	}
	if opts.FromName == "" {
		opts.FromName = "中国职工保险互助会北京办事处"
	}
	if cfg.Reply.TemplateDir != "" {
		opts.Templates = os.DirFS(cfg.Reply.TemplateDir)
		if err := reply.CheckTemplates(opts.Templates); err != nil {
			return opts, fmt.Errorf("mail templates in %s: %w", cfg.Reply.TemplateDir, err)
		}
	}
	return opts, nil
}

func contactLine(cfg config.Config) string {
	var parts []string
	if cfg.Reply.ContactNames != "" {
		parts = append(parts, "联系人："+cfg.Reply.ContactNames)
	}
	if cfg.Reply.ContactPhone != "" {
		parts = append(parts, "电话："+cfg.Reply.ContactPhone)
	}
	if cfg.Reply.From != "" {
		if a, err := mailaddr.Parse(cfg.Reply.From); err == nil {
			parts = append(parts, "邮箱："+a.Address)
		}
	}
	return strings.Join(parts, "，")
}

// ownAddresses are the office's own addresses, never answered: from, the
// mailbox's login and every staff address, the last written as 名字 <地址>
// or bare.
func ownAddresses(from, imapUser string, staff []string) []string {
	own := []string{from, imapUser}
	for _, s := range staff {
		if a, err := mailaddr.Parse(s); err == nil {
			own = append(own, a.Address)
		} else {
			own = append(own, s)
		}
	}
	return own
}

// parseConfig parses the flags of command name and loads the settings its
// --config flag (path) names, for mode. What is wrong is said on stderr;
// ok is false then, and the command ends with exitBad.
func parseConfig(name string, fs *flag.FlagSet, args []string, path *string, mode string, stderr io.Writer) (cfg config.Config, ok bool) {
	if err := fs.Parse(args); err != nil {
		return cfg, false
	}
	cfg, err := config.LoadFor(*path, os.LookupEnv, mode)
	if err != nil {
		fmt.Fprintf(stderr, "kaohe %s：配置有误：\n%v\n", name, err)
		return cfg, false
	}
	return cfg, true
}
