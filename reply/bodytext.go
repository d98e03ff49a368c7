package reply

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"kaohe/internal/display"
)

// MaxWordsRunes bounds the sender's own words quoted to staff: enough for
// a question or a note, not for a pasted document.
const MaxWordsRunes = 300

// SenderWords returns what the sender wrote in the body of a mail beyond
// greetings, closings, the covering note of an attachment and the
// signature, on one line, cut to MaxWordsRunes; "" when nothing is left.
// text is the body as mailparse extracts it (plain text, or HTML converted to
// text). names are the sender's display name, the agency's name and the
// like, dropped when they stand on a line of their own (a signature).
//
// The office answers questions by hand: a mail that says more than
// "附件是我单位的考核表，请查收" is passed to staff, and its receipt says
// so. The rules err towards passing a sentence on: a question that is
// wrongly taken for a courtesy is lost, a courtesy wrongly passed on costs
// staff a glance.
func SenderWords(text string, names ...string) string {
	var kept []string
	for _, line := range ownLines(text) {
		line = strings.TrimSpace(line)
		if line == "" || signatureLine(line, names) {
			continue
		}
		for _, s := range sentences(line) {
			if s = trimCourtesy(s); s != "" {
				kept = append(kept, s)
			}
		}
	}
	out := display.Untrusted(strings.Join(kept, " "), MaxWordsRunes)
	if !hasWords(out) {
		return ""
	}
	return out
}

// quoteStart matches the first line of a quoted earlier mail or of a
// signature block: everything from it on is not the sender's new words.
var quoteStart = regexp.MustCompile(`^(?:` +
	`-- ?$|` + // the usenet signature separator
	`-{2,}\s*(?:原始邮件|Original Message|转发邮件|Forwarded message)|` +
	`_{8,}$|` + // Outlook's rule above a quoted mail
	`(?:发件人|From)\s*[:：]|` +
	`在\s*.{4,80}写道\s*[:：]?$|` +
	`On .{4,120} wrote:$|` +
	`(?:发自|来自)(?:我的)?\S{0,12}(?:邮箱|iPhone|iPad|Android|手机|客户端|Mail)|Sent from my ` +
	`)`)

// ownLines are the lines of text before the first quoted mail, signature
// or copy of our own receipt.
func ownLines(text string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if quoteStart.MatchString(t) || strings.Contains(t, "考核表收取系统自动发出") {
			break
		}
		if strings.HasPrefix(t, ">") || strings.HasPrefix(t, "＞") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// phoneOrAddress matches contact lines of a signature: a phone number, an
// e-mail address, a postal address or a date.
var phoneOrAddress = regexp.MustCompile(`(?i)^(?:(?:电话|手机|座机|联系电话|联系方式|tel|phone|mobile|传真|fax|邮箱|e-?mail|地址|邮编)\s*[:：]?.*|` +
	`[\d\s\-+()（）转]{7,}|` +
	`\S+@\S+\.\S+|` +
	`\d{4}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*日?)$`)

// signatureLine reports whether a whole line is a signature: a name of the
// sender or the agency, a unit's name, a phone or address line.
func signatureLine(line string, names []string) bool {
	bare := strings.Trim(line, " \t　,，.。:：;；!！~、")
	if bare == "" || phoneOrAddress.MatchString(bare) {
		return true
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" && bare == n {
			return true
		}
	}
	// A short line naming a unit (朝阳区代办处, 市医药集团工会) or a
	// person (张三), with no punctuation, is a signature.
	if n := utf8.RuneCountInString(bare); n <= 24 && !strings.ContainsAny(bare, "，,。？?！!；;") && !questionWord.MatchString(bare) {
		for _, suffix := range []string{"代办处", "工会", "办事处", "公司", "集团", "委员会", "部", "科", "室"} {
			if strings.HasSuffix(bare, suffix) {
				return true
			}
		}
		if n <= 4 && allHan(bare) {
			return true
		}
	}
	return false
}

// questionWord keeps a short line such as 在哪下载 or 需要盖章的科室 from
// passing for a signature.
var questionWord = regexp.MustCompile(`哪|吗|怎|什么|何|几|是否|能否|可否|请|需要`)

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// sentences splits a line after each sentence end, keeping the
// punctuation with its sentence.
func sentences(line string) []string { return splitAfter(line, "。！？!?；;") }

// splitAfter splits s after each rune of marks, keeping the mark with the
// piece before it.
func splitAfter(s, marks string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if strings.ContainsRune(marks, r) {
			end := i + utf8.RuneLen(r)
			out = append(out, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// courtesy matches a clause that says nothing staff must read: a greeting,
// a closing, thanks, or the covering note of the attached form.
var courtesy = regexp.MustCompile(`^(?:` +
	// greetings
	`(?:尊敬的)?(?:\S{0,6}(?:老师|同志|领导|主任|部长|科长|处长|经理|同事|办事处|组织机构部)(?:们)?)?(?:您好|你好|好|们好)?|` +
	`(?:您|你)好|大家好|hi|hello|dear .*|` +
	`收到|已收到|好的|明白|知道了|抱歉|不好意思|thanks?(?: you)?|(?:best )?regards|` +
	// closings and thanks
	`(?:非常|十分)?(?:谢谢|感谢|多谢)(?:您|你)?(?:的)?(?:帮助|支持|指导|辛苦)?|辛苦(?:了|您了)?|麻烦(?:了|您了)?|` +
	`此致|敬礼|此致敬礼|祝好|顺祝\S{0,4}|祝(?:您)?工作顺利|顺颂\S{0,4}|敬请\S{0,4}|` +
	pleaseCheck + `(?:附件)?|望(?:审核|查收)(?:附件)?|(?:详)?见附件|` +
	// the covering note of the attached form
	`(?:现)?(?:将)?(?:附件|随信附上|随附|附上|附|发送|发去|转发|报送|提交|上报|这|此)(?:中|里|内)?(?:是|为|有)?` +
	`(?:我|本)?(?:们)?(?:单位|处|代办处)?(?:的)?\S{0,16}` + formWord + formState +
	`(?:发给您|发送给您|报上|报送|上报|见附件|在附件中|在附件里|在里面)?(?:，)?(?:` + pleaseCheck + `)?|` +
	`\S{0,16}` + formWord + formState + `(?:见附件|在附件中|在附件里|在里面)(?:，)?(?:` + pleaseCheck + `)?|` +
	`\S{0,16}` + formWord + formState + `(?:，)?` + pleaseCheck + `|` +
	`转发\S{0,8}邮件|` +
	`(?:根据|按照?)(?:回执|要求|意见)?(?:已经?)?(?:修改|改正|更正)(?:了|完毕|好了)?|已经?(?:修改|改正|更正)(?:了|完毕)?|` +
	`(?:同事|他|她)?(?:的)?(?:邮件)?(?:，)?(?:考核表)?在(?:里面|附件中|附件里)` +
	`)$`)

const (
	pleaseCheck = `请(?:查收|审核|审阅|查阅|收阅|核收|核对|审批|批阅|指正|领导审阅|审查)`
	formWord    = `(?:考核表|自评表|考核自评表|推荐表|推荐材料|表格|报表|材料|文件)`
	formState   = `(?:（[^）]*）|\([^)]*\))?(?:已盖章|已签字|已修改|已更正)?`
)

// asks matches a clause that asks something: never taken for courtesy,
// whatever else it says.
var asks = regexp.MustCompile(`哪|吗|怎|什么|何时|如何|几|是否|能否|可否|请问|需不需要|要不要|\?|？`)

// trimCourtesy drops the clauses of a sentence that are courtesy from its
// start and its end; a sentence of courtesy alone becomes "".
func trimCourtesy(s string) string {
	clauses := splitClauses(s)
	isNoise := func(c string) bool {
		bare := strings.Trim(c, " \t　,，.。:：;；!！~、?？…")
		return bare == "" || (courtesy.MatchString(strings.ToLower(bare)) && !asks.MatchString(c))
	}
	lo, hi := 0, len(clauses)
	for lo < hi && isNoise(clauses[lo]) {
		lo++
	}
	for hi > lo && isNoise(clauses[hi-1]) {
		hi--
	}
	return strings.Trim(strings.TrimSpace(strings.Join(clauses[lo:hi], "")), "，,、：: ")
}

// splitClauses splits after commas, colons and sentence ends, keeping the
// punctuation with the clause before it.
func splitClauses(s string) []string { return splitAfter(s, "，,、：:。！？!?；;") }

// hasWords reports whether s has at least two letters or ideographs: a
// lone "好" or "?" is not a question.
func hasWords(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n >= 2
}
