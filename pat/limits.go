package pat

import "fmt"

// Per-packet payload limits. The frame size field allows 0xFFFF bytes and
// the edge caps frames at DefaultMaxPayload, but every packet the game
// sends has a layout made of a few integers and short strings: a payload
// far larger than that layout can hold is not the game talking. Handlers
// refuse such a packet as malformed before decoding it, so an implausible
// size never reaches a decoder, a session, or the event log.
//
// Each limit is the largest payload the layout can plausibly carry,
// rounded up with room to spare; a packet without an entry may use the
// whole frame.

// limits maps a packet id (as received, flag byte included) to its
// largest accepted payload. Files add their packets with registerLimits
// from an init function.
var limits = map[ID]int{}

// registerLimits adds entries to the limit table. Registering an id twice
// with different limits is a programming error and panics at start-up.
func registerLimits(m map[ID]int) {
	for id, n := range m {
		if n < 0 || n > MaxPayload {
			panic(fmt.Sprintf("pat: limit %d for %s is outside 0..0x%X", n, id, MaxPayload))
		}
		if old, ok := limits[id]; ok && old != n {
			panic(fmt.Sprintf("pat: %s registered with limits %d and %d", id, old, n))
		}
		limits[id] = n
	}
}

// MaxRequestPayload is the largest payload accepted for packet id: the
// table's entry, or 0xFFFF (the frame's own limit) for a packet without one.
func MaxRequestPayload(id ID) int {
	if n, ok := limits[id]; ok {
		return n
	}
	return MaxPayload
}

// noPayload is the limit of requests that carry nothing (MHTriServer
// asserts a size of 0 for them; MH3SP ignores their bytes). A little room
// is left, since nothing is lost by reading a few stray bytes.
const noPayload = 0x10

func init() {
	registerLimits(map[ID]int{
		// Every server (0x60).
		IDReqLineCheck:     noPayload, // empty
		IDAnsLineCheck:     noPayload, // empty
		IDReqServerTime:    0x10,      // u32 converted country code
		IDReqShut:          0x10,      // u8 shut type
		IDAnsConnection:    0x200,     // ConnectionData: 10 fields, strings ≤ 28 bytes (support code, ticket, media version) → ~0x80
		IDNtcCollectionLog: 0x40,      // PatData of 3 Long fields = 19 bytes
		IDReqTicket:        noPayload, // empty
		IDReqCommonKey:     noPayload, // empty
		// LMP (0x61).
		IDReqLoginInfo:      0x800,     // LoginInfo: a few Longs and short strings plus the lp2 NAS token (~100–200 bytes)
		IDReqChargeInfo:     0x10,      // u8 info type
		IDReqUserListHead:   0x40,      // u32 + u32 + field-id list (UserObject has 8 fields) = 17 bytes
		IDReqUserListData:   0x10,      // u32 first + u32 count
		IDReqUserListFoot:   noPayload, // empty
		IDReqUserObject:     0x200,     // u8 + u32 + UserObject (8 fields: Longs, 6-char Capcom ID, name < 0x20, a short string) → ~0x80
		IDReqFmpListVersion: noPayload, // empty
		IDReqFmpListHead:    0x40,      // 3 × u32 + field-id list (FmpData has 9 fields) = 22 bytes
		IDReqFmpListData:    0x10,      // u32 first + u32 count
		IDReqFmpListFoot:    noPayload, // empty
		IDReqFmpInfo:        0x40,      // u32 index + field-id list (normally 2 ids) = 7 bytes
		// OPN (0x62).
		IDReqLmpConnect:           noPayload, // empty
		IDReqTermsVersion:         noPayload, // empty
		IDReqTerms:                0x20,      // 3 × u32 (version, offset, size) = 12 bytes
		IDReqSubTermsInfo:         0x10,      // u8 selector
		IDReqSubTerms:             0x20,      // u32 + u8 + 2 × u32 = 13 bytes
		IDReqMaintenance:          noPayload, // empty
		IDReqAnnounce:             noPayload, // empty
		IDReqNoCharge:             noPayload, // empty
		IDReqMediaVersionInfo:     noPayload, // empty
		IDReqVulgarityInfoHighJAP: noPayload, // empty
		IDReqVulgarityInfoLowJAP:  noPayload, // empty
		IDReqVulgarityInfoLow:     0x10,      // u32 info
		IDReqVulgarityLow:         0x20,      // 4 × u32 = 16 bytes
		IDReqAuthenticationToken:  0x400,     // lp2 NAS token (~100–200 bytes of text from the NAS login)
	})
}
