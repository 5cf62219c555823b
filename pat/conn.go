package pat

import "strings"

// Messages every PAT server exchanges (category 0x60): keep-alive,
// connection set-up, shut, time, tickets, keys.

// Empty is embedded by messages without payload.
type empty struct{}

func (empty) Encode(*Writer) {}
func (empty) Decode(*Reader) {}

// opaque is embedded by requests whose payload the server ignores; it
// keeps the bytes so decoding never fails on them.
type opaque struct{ Rest []byte }

func (o opaque) Encode(w *Writer)  { w.Raw(o.Rest) }
func (o *opaque) Decode(r *Reader) { o.Rest = r.Rest() }

type ReqLineCheck struct{ empty }

func (ReqLineCheck) PacketID() ID { return IDReqLineCheck }

type AnsLineCheck struct{ empty }

func (AnsLineCheck) PacketID() ID { return IDAnsLineCheck }

// ReqServerTime carries the game's converted country code.
type ReqServerTime struct{ ConvertedCountryCode uint32 }

func (ReqServerTime) PacketID() ID        { return IDReqServerTime }
func (m ReqServerTime) Encode(w *Writer)  { w.U32(m.ConvertedCountryCode) }
func (m *ReqServerTime) Decode(r *Reader) { m.ConvertedCountryCode = r.U32() }

// AnsServerTime: a clock ticking once a second (day and night) and the
// wall clock (Wii Shop ticket), both Unix seconds on MH3SP.
type AnsServerTime struct{ ServerTime, CurrentTime uint32 }

func (AnsServerTime) PacketID() ID        { return IDAnsServerTime }
func (m AnsServerTime) Encode(w *Writer)  { w.U32(m.ServerTime).U32(m.CurrentTime) }
func (m *AnsServerTime) Decode(r *Reader) { m.ServerTime, m.CurrentTime = r.U32(), r.U32() }

// ReqShut: 1 = full logout, 2 = moving to another server.
type ReqShut struct{ Type uint8 }

func (ReqShut) PacketID() ID        { return IDReqShut }
func (m ReqShut) Encode(w *Writer)  { w.U8(m.Type) }
func (m *ReqShut) Decode(r *Reader) { m.Type = r.U8() }

type AnsShut struct{ Type uint8 }

func (AnsShut) PacketID() ID        { return IDAnsShut }
func (m AnsShut) Encode(w *Writer)  { w.U8(m.Type) }
func (m *AnsShut) Decode(r *Reader) { m.Type = r.U8() }

// NtcShut closes the connection with an optional message: u8 has_message
// (set from the text before it is cut), lp2 text of at most 0x200 bytes.
type NtcShut struct{ Message []byte }

// MaxShutMessage is the longest NtcShut text sent; longer ones are cut, as
// MH3SP cuts them.
const MaxShutMessage = 0x200

// ErrorShutText is the NtcShut text of a packet that could not be served
// (MH3SP sends the exception's text): a fixed head, then detail in lines
// the game's message box can show, cut to MaxShutMessage.
func ErrorShutText(detail string) string {
	const width, lines = 55, 6
	var parts []string
	for len(detail) > 0 && len(parts) < lines {
		n := min(width, len(detail))
		parts = append(parts, detail[:n])
		detail = detail[n:]
	}
	text := "<LF=2><BODY><CENTER>A communication error occurred.<BR><BODY>The server could not handle a request.<BR><LEFT>" +
		strings.Join(parts, "<BR>") + "<END>"
	if len(text) > MaxShutMessage {
		text = text[:MaxShutMessage]
	}
	return text
}

func (NtcShut) PacketID() ID { return IDNtcShut }
func (m NtcShut) Encode(w *Writer) {
	msg := m.Message
	if len(msg) > MaxShutMessage {
		msg = msg[:MaxShutMessage]
	}
	var has uint8
	if len(msg) > 0 {
		has = 1
	}
	w.U8(has).LP2(msg)
}
func (m *NtcShut) Decode(r *Reader) { r.U8(); m.Message = r.LP2() }

// ReqConnection opens the PAT session (a parameter western builds ignore).
type ReqConnection struct{ Unused uint32 }

func (ReqConnection) PacketID() ID        { return IDReqConnection }
func (m ReqConnection) Encode(w *Writer)  { w.U32(m.Unused) }
func (m *ReqConnection) Decode(r *Reader) { m.Unused = r.U32() }

// AnsConnection carries the game's ConnectionData (Conn* fields).
type AnsConnection struct{ Data Data }

func (AnsConnection) PacketID() ID        { return IDAnsConnection }
func (m AnsConnection) Encode(w *Writer)  { w.Data(m.Data) }
func (m *AnsConnection) Decode(r *Reader) { m.Data = r.Data() }

// NtcLogin is the server's verdict after AnsConnection: OPN 5, LMP 1
// (first contact) or 2 (with ticket), FMP 3.
type NtcLogin struct{ Status uint8 }

func (NtcLogin) PacketID() ID        { return IDNtcLogin }
func (m NtcLogin) Encode(w *Writer)  { w.U8(m.Status) }
func (m *NtcLogin) Decode(r *Reader) { m.Status = r.U8() }

type ReqTicket struct{ opaque }

func (ReqTicket) PacketID() ID { return IDReqTicket }

type AnsTicket struct{ Ticket []byte }

func (AnsTicket) PacketID() ID        { return IDAnsTicket }
func (m AnsTicket) Encode(w *Writer)  { w.LP2(m.Ticket) }
func (m *AnsTicket) Decode(r *Reader) { m.Ticket = r.LP2() }

// NtcCollectionLog is the game's own error report: {0x01 error code,
// 0x02 ?, 0x03 timeout}.
type NtcCollectionLog struct{ Data Data }

func (NtcCollectionLog) PacketID() ID        { return IDNtcCollectionLog }
func (m NtcCollectionLog) Encode(w *Writer)  { w.Data(m.Data) }
func (m *NtcCollectionLog) Decode(r *Reader) { m.Data = r.Data() }

type ReqCommonKey struct{ opaque }

func (ReqCommonKey) PacketID() ID { return IDReqCommonKey }

// AnsCommonKey would enable packet encryption; neither reference server
// sends it (they answer ReqCommonKey with an empty AnsAuthenticationToken).
type AnsCommonKey struct{ Key []byte }

func (AnsCommonKey) PacketID() ID        { return IDAnsCommonKey }
func (m AnsCommonKey) Encode(w *Writer)  { w.LP2(m.Key) }
func (m *AnsCommonKey) Decode(r *Reader) { m.Key = r.LP2() }

// ReqAuthenticationToken forwards the Nintendo NAS token.
type ReqAuthenticationToken struct{ Token []byte }

func (ReqAuthenticationToken) PacketID() ID        { return IDReqAuthenticationToken }
func (m ReqAuthenticationToken) Encode(w *Writer)  { w.LP2(m.Token) }
func (m *ReqAuthenticationToken) Decode(r *Reader) { m.Token = r.LP2() }

type AnsAuthenticationToken struct{ empty }

func (AnsAuthenticationToken) PacketID() ID { return IDAnsAuthenticationToken }

// AnsAlert is the message-box variant of any answer (id | 0x01): u32 1
// (0 hides the message) and the text. The client stays usable.
type AnsAlert struct {
	Answer  ID // the normal answer id it stands for
	Message []byte
}

func (m AnsAlert) PacketID() ID      { return m.Answer.Alert() }
func (m AnsAlert) Encode(w *Writer)  { w.U32(1).LP2(m.Message) }
func (m *AnsAlert) Decode(r *Reader) { r.U32(); m.Message = r.LP2() }

// AnsNg is the error variant of any answer (id | 0xFF), same layout.
type AnsNg struct {
	Answer  ID
	Message []byte
}

func (m AnsNg) PacketID() ID      { return m.Answer.Ng() }
func (m AnsNg) Encode(w *Writer)  { w.U32(1).LP2(m.Message) }
func (m *AnsNg) Decode(r *Reader) { r.U32(); m.Message = r.LP2() }
