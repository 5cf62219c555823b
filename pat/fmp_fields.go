package pat

// Field ids of the PatData structures used on FMP. "Unknown" fields are
// named by id; the comment gives the item type and what is known.

// LayerData: one server, gate or city (AnsLayerStart, child/sibling
// lists, AnsLayerChildInfo, NtcLayerInfoSet, detail search). Encode it
// with Writer.LayerData (field 0x17 needs a filler after it).
const (
	LayerIndex            = 0x01 // Long, position in the list (1-based)
	LayerHost             = 0x02 // Binary, LayerPath (MH3SP: the city leader's path)
	LayerName             = 0x03 // String, < MaxLayerName+1 bytes
	LayerNumber           = 0x05 // Word, the same index again
	LayerPopulation       = 0x06 // Long, players inside
	LayerPopulation2      = 0x07 // Long, population again (read by searches; MHTriServer sends 0xFF)
	LayerUnknown08        = 0x08 // Long
	LayerCapacity         = 0x09 // Long
	LayerUnknown0A        = 0x0A // Long
	LayerChildPopulation  = 0x0B // Long, shown at the gate (MH3SP for a city: members on a quest)
	LayerUnknown0C        = 0x0C // Long, MH3SP sends 0x0C for cities
	LayerUnknown0D        = 0x0D // Word
	LayerState            = 0x10 // Byte, LayerState* values
	LayerPositionInterval = 0x11 // Long, player position sync interval (MH3SP 500)
	LayerUnknown12        = 0x12 // Byte, MH3SP always 1 (MHTriServer: the city host only admits joiners when it is 1)
	LayerDepth            = 0x15 // Byte, LayerDepth* (MHTriServer: the game decrements it)
	LayerPathname         = 0x16 // String, "server\tgate\tcity", < MaxLayerPathname+1 bytes
	LayerUnknown17        = 0x17 // Binary, < MaxLayerData17+1 bytes; needs the filler
	LayerFiller           = 0xFF // the sacrificial field after 0x17 (Writer.LayerData adds it)
)

// LayerData 0x10 values as MH3SP sends them (its own comment and
// MHTriServer document 0 joinable/enabled, 1 empty, 2 full/disabled).
const (
	LayerStateServer   = 0 // servers always
	LayerStateEmpty    = 1
	LayerStateFull     = 2 // also a city being created (reserved)
	LayerStateJoinable = 3
)

// LayerUserInfo: one player in a layer (NtcLayerIn, user lists, searches).
const (
	LayerUserCapcomID   = 0x01 // String
	LayerUserHunterName = 0x02 // String
	LayerUserHost       = 0x03 // Binary, LayerPath of where the player is
	LayerUserUnknown06  = 0x06 // Long
	LayerUserStats      = 0x07 // Binary, the 0x100-byte HunterSettings
)

// LayerBinaryInfo: the sender stamp of the binary relays.
const (
	LayerBinaryUnknown01  = 0x01 // Long, "time related"; MH3SP sends LayerBinaryUnknown01Value
	LayerBinaryCapcomID   = 0x02 // String
	LayerBinaryHunterName = 0x03 // String
)

// LayerBinaryUnknown01Value is what MH3SP puts in LayerBinaryInfo 0x01.
const LayerBinaryUnknown01Value = 0x12345678

// LayerUserNum: population numbers of a layer (NtcLayerUserNum).
const (
	UserNumPath            = 0x01 // Binary, LayerPath
	UserNumPopulation      = 0x02 // Long
	UserNumIndex           = 0x03 // Long
	UserNumUnknown04       = 0x04 // Long, MH3SP UserNumUnknown04Value
	UserNumCapacity        = 0x05 // Long
	UserNumUnknown06       = 0x06 // Long, MH3SP UserNumUnknown06Value
	UserNumChildPopulation = 0x07 // Long
)

// NtcLayerUserNum update types (what the game updates with the numbers).
const (
	UserNumUpdateCurrent      = 1 // the current layer
	UserNumUpdateCurrentEvent = 2 // the current layer, and an unknown event fires
	UserNumUpdateArrayEntry   = 3 // an entry of some array
	UserNumUpdateChild        = 4 // the child layer named by UserNumPath (MH3SP: a city, sent to its gate)
	UserNumUpdateLayerObject  = 5 // unknown fields of the game's layer object
)

// LayerSet: the city settings the game sends in ReqLayerCreateSet (all
// meanings unknown).
const (
	LayerSetUnknown01 = 0x01 // Long
	LayerSetUnknown02 = 0x02 // Binary
	LayerSetUnknown03 = 0x03 // String
	LayerSetUnknown05 = 0x05 // Binary
	LayerSetUnknown09 = 0x09 // Long
	LayerSetUnknown0A = 0x0A // Long
	LayerSetUnknown0C = 0x0C // Long
	LayerSetUnknown17 = 0x17 // Binary
)

// Optional fields of a city (LayerCreateSet, then after its LayerData).
const (
	OptCityUnknown01 = 0x01
	OptCityHRLimit   = 0x02 // HR-limit index, OptNotApplicable when none
	OptCityGoal      = 0x03 // goal index, OptNotApplicable when none
	OptCitySeeking   = 0x04 // seeking index
)

// OptNotApplicable is the value of a city option that does not apply.
const OptNotApplicable = 0xFFFFFFFF

// Optional fields of a player (after LayerUserInfo / UserSearchInfo).
const (
	OptUserWeaponLocation = 0x01 // weapon type << 24 | location (0 city, 1 quest)
	OptUserRank           = 0x02 // hunter rank << 16
)

// Optional fields of a circle (after CircleInfo).
const (
	OptCircleCapacity = 0x01
	OptCircleQuestID  = 0x02
)

// CircleInfo: one quest party (circle) of a city's quest board.
const (
	CircleIndex        = 0x01 // Long, 1-based; an empty slot is sent with this field only
	CircleName         = 0x02 // String, unknown (MHTriServer sends a name), < MaxCircleName+1 bytes
	CircleHasPassword  = 0x03 // Byte
	CirclePassword     = 0x04 // String
	CirclePartyMembers = 0x05 // Binary, PartyMembersSize bytes (see PartyMembersBinary)
	CircleRemarks      = 0x06 // String, < MaxRemarks+1 bytes
	CirclePlayerCount  = 0x07 // Long
	CircleUnknown08    = 0x08 // Long
	CircleCapacity     = 0x09 // Long
	CircleUnknown0A    = 0x0A // Long
	CircleUnknown0B    = 0x0B // Long (the game sends it in ReqCircleJoin)
	CircleIndex2       = 0x0C // Long, the index again
	CircleLeader       = 0x0D // String, the leader's Capcom ID
	CircleUnknown0E    = 0x0E // Byte, MH3SP copies it from the creator's CircleInfo
	CircleNotJoinable  = 0x0F // Byte, 1 when departed or full
	CircleUnknown10    = 0x10 // Byte
)

// CircleUserData: one member of a circle (match options, user list).
const (
	CircleUserUnknown01  = 0x01 // Binary
	CircleUserUnknown02  = 0x02 // Word
	CircleUserStandby    = 0x03 // Byte, 1 = ready to depart
	CircleUserSlot       = 0x04 // Byte, 1-based
	CircleUserCapcomID   = 0x05 // String
	CircleUserHunterName = 0x06 // String
)

// MessageInfo: the header of chat lines, tells and friend requests.
const (
	MessageColor      = 0x01 // Long, RGBA text colour
	MessageUnknown02  = 0x02 // Long, MH3SP sends TellUnknown02 on tells
	MessageSenderID   = 0x03 // String; the game hides lines with a blank sender id
	MessageSenderName = 0x04 // String
)

// MessageInfo values MH3SP uses.
const (
	ChatColorTop   = 0xBB3385FF // layer chat at the top layer (server list)
	ChatColorLayer = 0xFFFFFFFF // layer chat in a gate or city
	TellUnknown02  = 20         // MessageUnknown02 on tells and friend requests
)

// FriendData and BlackListUserData: one friend or blacklisted player.
const (
	FriendIndex      = 0x01 // Long, 1-based
	FriendCapcomID   = 0x02 // String
	FriendHunterName = 0x03 // String
)

// UserSearchInfo: a player as the searches and the friend list see him.
const (
	SearchCapcomID     = 0x01 // String
	SearchHunterName   = 0x02 // String
	SearchStats        = 0x03 // Binary, the 0x100-byte HunterSettings
	SearchHost         = 0x04 // Binary, LayerPath
	SearchUnknown07    = 0x07 // Byte, MH3SP 1 (an index?)
	SearchLocation     = 0x08 // String, "server\tgate\tcity"
	SearchUnknown0B    = 0x0B // Byte, MH3SP 1
	SearchUnknown0C    = 0x0C // String
	SearchCityCapacity = 0x0D // Long
	SearchCitySize     = 0x0E // Long
	SearchMine0F       = 0x0F // Long, first identity value (UserSearchInfoMine)
	SearchMine10       = 0x10 // Long, second identity value
)

// SearchOffline is the hunter name MH3SP puts in the AnsUserSearchInfo
// alert for a player who is not online (the friend list greys him out).
const SearchOffline = "OFFLINE"

// UserStatusSet: status flags the game sets (all Bytes, mostly unknown).
const (
	StatusUnknown01      = 0x01
	StatusUnknown02      = 0x02
	StatusUnknown03      = 0x03
	StatusUnknown04      = 0x04
	StatusUnknown05      = 0x05
	StatusUnknown08      = 0x08
	StatusFriendRequests = 0x09 // StatusDenyFriendRequests = refuse friend requests
)

// StatusDenyFriendRequests is the StatusFriendRequests value refusing them.
const StatusDenyFriendRequests = 4

// MediationListItem: one exclusive resource of a city (seats 1-12, arm
// wrestling 13-14).
const (
	MediationName   = 0x01 // String, name or owner, < MaxMediationName+1 bytes
	MediationIndex  = 0x02 // Byte
	MediationLocked = 0x03 // Byte, 1 = locked
)
