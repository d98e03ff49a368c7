#!/usr/bin/python3
"""Mail helpers of scenario 7 (the season after the deadline).

mail.py get SINK --to ADDR --subject WORD [--since EPOCH] [--nth N] OUT.xlsx
    saves the .xlsx attachment of the latest (or --nth, 1 = oldest) mail
    to ADDR whose subject contains WORD, delivered since EPOCH; prints its
    Message-ID and subject.
mail.py send --from ADDR --subject S [--irt MSGID] [--id MSGID] [--user U] FILE.xlsx...
    composes a mail to the office with the files attached and APPENDs it to
    the Dovecot INBOX of U (as a mail delivered there)."""
import email, email.policy, email.utils, imaplib, os, sys, time
from email.message import EmailMessage

OFFICE = 'zzjgb@trial.example.org'


def opt(args, name, default=None):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


def get(args):
    since = float(opt(args, '--since', '0'))
    to = opt(args, '--to')
    word = opt(args, '--subject', '')
    nth = int(opt(args, '--nth', '0'))
    sink, out = args
    found = []
    for sub in ('new', 'cur'):
        d = os.path.join(sink, sub)
        for f in os.listdir(d):
            p = os.path.join(d, f)
            t = os.path.getmtime(p)
            if t < since:
                continue
            m = email.message_from_binary_file(open(p, 'rb'), policy=email.policy.default)
            if to not in str(m.get('Delivered-To') or m.get('To')) or word not in str(m.get('Subject')):
                continue
            for part in m.iter_attachments():
                if (part.get_filename() or '').endswith('.xlsx'):
                    found.append((t, f, m, part.get_content()))
                    break
    if not found:
        sys.exit('no mail to %s with %r and an .xlsx since %s' % (to, word, since))
    found.sort(key=lambda x: (x[0], x[1]))
    t, f, m, data = found[nth - 1] if nth else found[-1]
    open(out, 'wb').write(data)
    print(str(m['Message-ID']).strip('<>'), '|', m['Subject'], '|', len(found))


def send(args):
    frm = opt(args, '--from')
    subject = opt(args, '--subject')
    irt = opt(args, '--irt')
    mid = opt(args, '--id') or email.utils.make_msgid(domain='mail.example.org')
    user = opt(args, '--user', 'kaohe7')
    m = EmailMessage()
    m['From'] = frm
    m['To'] = OFFICE
    m['Subject'] = subject
    m['Date'] = email.utils.formatdate(localtime=True)
    m['Message-ID'] = mid if mid.startswith('<') else '<%s>' % mid
    if irt:
        m['In-Reply-To'] = m['References'] = '<%s>' % irt.strip('<>')
    m.set_content('请查收附件。\n')
    for f in args:
        m.add_attachment(open(f, 'rb').read(), maintype='application',
                         subtype='vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                         filename=os.path.basename(f))
    c = imaplib.IMAP4('127.0.0.1', 10143)
    c.login(user, 'trialpw')
    typ, _ = c.append('INBOX', None, imaplib.Time2Internaldate(time.time()), m.as_bytes(policy=email.policy.SMTP))
    c.logout()
    if typ != 'OK':
        sys.exit('append: ' + typ)
    print(m['Message-ID'])


if __name__ == '__main__':
    {'get': get, 'send': send}[sys.argv[1]](sys.argv[2:])
