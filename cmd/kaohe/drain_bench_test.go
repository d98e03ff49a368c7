package main

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/rs/zerolog"

	"kaohe/config"
	"kaohe/demo"
	"kaohe/internal/cputime"
	"kaohe/internal/dovecottest"
	"kaohe/internal/sample"
	"kaohe/templates"
)

// BenchmarkDrain measures the daemon taking b.N queued messages, each with
// one form, out of the in-memory IMAP server through MIME, validation,
// scoring, reply composition and SQLite storage (synchronous=FULL).
// Run with -benchtime=1000x for the 1,000-message figure of the README.
func BenchmarkDrain(b *testing.B) {
	for _, mode := range []struct {
		name      string
		inProcess bool
	}{{"sandbox", false}, {"inprocess", true}} {
		b.Run(mode.name, func(b *testing.B) { benchmarkDrain(b, mode.inProcess, false) })
	}
	// Against what a deployment has: a real Dovecot (skipped where it is
	// not installed, unless KAOHE_REQUIRE_DOVECOT is set), readers in their
	// processes, and the whole of `serve --once`: the drain, the workbook,
	// the campaign's jobs and every receipt sent to the SMTP sink.
	b.Run("dovecot", func(b *testing.B) { benchmarkDrain(b, false, true) })
}

func benchmarkDrain(b *testing.B, inProcess, dovecot bool) {
	srv := startMail(b)
	var err error
	srv.AddUser(demo.Office, "pw")
	imapAddr := srv.IMAPAddr
	if dovecot {
		imapAddr = dovecottest.Start(b, demo.Office, "pw")
	}
	ags := sample.RandomAgencies(100, 1)
	var roster strings.Builder
	roster.WriteString("考核单位,类型,邮箱\n")
	// One form in five has an error, so its receipt carries an annotated
	// copy, as in a real campaign.
	forms := make([][]byte, len(ags))
	for i, a := range ags {
		typ := "局"
		if a.District {
			typ = "区"
		}
		fmt.Fprintf(&roster, "%s,%s,%s\n", a.Name, typ, a.Email)
		v := sample.Good(a.Name, a.District)
		if i%5 == 4 {
			v = v.With(sample.SetScore("1.4", 9))
		}
		if forms[i], err = sample.Workbook(templates.MustLoad(2021), v); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	rosterPath := dir + "/roster.csv"
	if err := writeFile(rosterPath, []byte(roster.String())); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2022, 1, 4, 9, 0, 0, 0, time.UTC)
	deliver := srv.Deliver
	if dovecot {
		deliver = appender(b, imapAddr)
	}
	for i := 0; i < b.N; i++ {
		a := ags[i%len(ags)]
		raw := benchMail(a.Email, i, forms[i%len(ags)])
		if err := deliver(demo.Office, raw, at.Add(time.Duration(i)*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Roster = dir+"/data", rosterPath
	cfg.IMAP.Addr, cfg.IMAP.TLS, cfg.IMAP.User, cfg.IMAP.Password = imapAddr, config.NoTLS, demo.Office, "pw"
	cfg.SMTP.Addr, cfg.SMTP.TLS = srv.SMTPAddr, config.NoTLS
	cfg.Reply.From = demo.Office
	cfg.SMTP.PerRecipientPerHour = 0
	cfg.SMTP.PerDay = 1 << 20 // every receipt goes out in the run
	d, err := newDaemon(cfg, zerolog.Nop(), daemonOptions{InProcess: inProcess})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { d.Close() }()
	// Memory flat in the number of messages: the heap retained after the
	// drain, less what the mail server held before it, does not grow with
	// b.N (the server's copies move from INBOX to Processed).
	heapBefore := liveHeap()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, self0 := cputime.WithChildren(), cputime.Self()
	start := time.Now()
	drain := d.watcher.Once
	if dovecot {
		drain = d.once
	}
	if err := drain(context.Background()); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	selfUsed := cputime.Self() - self0
	b.StopTimer()
	b.ReportMetric(float64(int64(liveHeap())-int64(heapBefore))/(1<<20), "MB-retained")
	if got := d.pipe.Handled(); got != uint64(b.N) {
		b.Fatalf("handled %d of %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/took.Seconds(), "msgs/s")
	if dovecot {
		if sent := len(srv.Deliveries()); sent < b.N {
			b.Fatalf("%d mails sent for %d messages", sent, b.N)
		}
	}
	// CPU time of the daemon and its reader processes (reaped by Close),
	// the figure that does not depend on what else the machine is doing.
	d.Close()
	d = nil
	b.ReportMetric(float64((cputime.WithChildren()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/msg")
	b.ReportMetric(float64(selfUsed.Microseconds())/1000/float64(b.N), "daemon-cpu-ms/msg")
}

func benchMail(from string, n int, form []byte) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "From: <%s>\r\nTo: <%s>\r\nSubject: form %d\r\nMessage-ID: <bench-%d@example.org>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"+
		"--b\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"+
		"Content-Disposition: attachment; filename=\"form.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", from, demo.Office, n, n)
	buf.WriteString(demo.Base64Lines(form))
	buf.WriteString("\r\n--b--\r\n")
	return buf.Bytes()
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// appender delivers mail into the mailbox at addr with IMAP APPEND, the
// receipt time set as the mail server's INTERNALDATE.
func appender(b *testing.B, addr string) func(user string, raw []byte, at time.Time) error {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	if err := c.Login(demo.Office, "pw").Wait(); err != nil {
		b.Fatal(err)
	}
	return func(_ string, raw []byte, at time.Time) error {
		cmd := c.Append("INBOX", int64(len(raw)), &imap.AppendOptions{Time: at})
		if _, err := cmd.Write(raw); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		_, err := cmd.Wait()
		return err
	}
}
