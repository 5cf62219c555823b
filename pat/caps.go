package pat

// Longest texts and blobs the game takes. It copies them into fixed
// buffers, so a longer value overruns or is rejected on the console: the
// server must refuse or cut anything longer before sending it. Each
// constant is the largest allowed length in bytes (MHTriServer's checks,
// §5.2 of the protocol facts; "< 8" there is 7 here). MaxShutMessage
// (NtcShut) is in conn.go.
const (
	MaxCapcomID          = 7     // Capcom ID (6 characters used)
	MaxHunterName        = 0x1F  // hunter name
	MaxOnlineSupportCode = 0x1F  // online support code
	MaxFmpAddress        = 0xFF  // FmpData 0x02
	MaxFmpName           = 0x1F  // FmpData 0x0A
	MaxLayerName         = 0x3F  // LayerData 0x03
	MaxLayerPathname     = 0xBF  // LayerData 0x16
	MaxLayerData17       = 0xFF  // LayerData 0x17
	MaxCircleName        = 0x3F  // CircleInfo 0x02
	MaxPartyMembers      = 0x100 // CircleInfo 0x05
	MaxRemarks           = 0x1FF // CircleInfo 0x06
	MaxChargeInfo05      = 0x2C  // ChargeInfo 0x05
	MaxChargeInfo06      = 0x644 // ChargeInfo 0x06
	MaxChargeInfo08      = 0x2F  // ChargeInfo 0x08
	MaxChargeInfo0A      = 0x2C  // ChargeInfo 0x0A
	MaxPatTicket         = 0x400 // ConnectionData 0x02
	MaxMediationName     = 7     // MediationListItem 0x01
	MaxMatchStartFlag    = 1     // NtcCircleMatchStart's per-member byte array
)
