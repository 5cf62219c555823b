package pat

// Field ids of the PatData structures used at login (MH3SP's names in
// comments where they differ).

// ConnectionData (AnsConnection).
const (
	ConnOnlineSupportCode    = 0x01 // String
	ConnPatTicket            = 0x02 // Binary
	ConnUnknown03            = 0x03 // Long, 3 on US builds
	ConnUnknown04            = 0x04 // Long, 2 on US builds
	ConnConvertedCountryCode = 0x05 // Long
	ConnUnknown06            = 0x06 // Long
	ConnMediaVersion         = 0x07 // String, e.g. "1001301045" (RMHE08)
	ConnReceiveBufferSize    = 0x08 // Long, 0x4000
	ConnCountryCode          = 0x09 // Long
	ConnLanguageCode         = 0x0A // Long
)

// ChargeInfo (AnsLoginInfo, AnsChargeInfo) and LoginInfo (ReqLoginInfo).
const (
	ChargeTicketValidity1   = 0x01 // Long
	ChargeTicketValidity2   = 0x02 // Long
	ChargeUnknown05         = 0x05 // Binary
	LoginUnknown06          = 0x06 // Binary
	ChargeOnlineSupportCode = 0x07 // String
	LoginUnknown08          = 0x08 // String
	LoginState              = 0x09
	LoginNasToken           = 0x0A
)

// UserObject (a Capcom-ID profile slot).
const (
	UserSlotIndex  = 0x01 // Long, 1..6
	UserCapcomID   = 0x02 // String, "******" for an empty slot
	UserHunterName = 0x03 // String
)

// FmpData (a server list entry, and the FMP redirect).
const (
	FmpIndex      = 0x01 // Long, 1-based
	FmpAddress    = 0x02 // String, dotted quad
	FmpPort       = 0x03 // Word
	FmpServerType = 0x07 // LongLong, 1..4
	FmpPopulation = 0x08 // Long
	FmpCapacity   = 0x09 // Long
	FmpName       = 0x0A // String
	FmpUnknown0B  = 0x0B // String
	FmpUnknown0C  = 0x0C // Long
)
