package pat

// Sizes of the pieces FMP requests are made of, at their largest
// plausible length (client caps from caps.go; MaxOptFields entries per
// optional-field list, which is all the game keeps).
const (
	lp2CapcomID    = 2 + MaxCapcomID
	lp2HunterName  = 2 + MaxHunterName
	lp2LayerPath   = 2 + LayerPathSize
	blistMax       = 1 + 0xFF            // u8-counted list, full
	bytePairsMax   = 1 + 0xFF*2          // u8-counted list of byte pairs (MHTriServer's reading)
	optMax         = 1 + MaxOptFields*6  // id, has, u32 each
	doptMax        = 8 + MaxOptFields*7  // as many search criteria as options
	itemLong       = 2 + 4               // id, tag, u32
	itemByte       = 2 + 1               // id, tag, u8
	itemWord       = 2 + 2               // id, tag, u16
	itemLP2        = 2 + 2               // id, tag, u16 length (+ the bytes)
	textMax        = 0x400               // chat/tell text: cap unknown, twice the largest known text cap (remarks, NtcShut)
	relayMax       = 0x2000 - HeaderSize // opaque relay blobs: see fmpRequestLimits
	unknownBinary  = 0x100               // a Binary field of unknown use and size
	messageInfo    = 1 + 2*itemLong + itemLP2 + MaxCapcomID + itemLP2 + MaxHunterName
	friendData     = 1 + itemLong + itemLP2 + MaxCapcomID + itemLP2 + MaxHunterName
	userSearchInfo = 1 + itemLP2 + MaxCapcomID + itemLP2 + MaxHunterName + itemLP2 + HunterSettingsSize +
		itemLP2 + LayerPathSize + itemByte + itemLP2 + MaxLayerPathname + itemByte + itemLP2 + unknownBinary +
		4*itemLong
	layerSet = 1 + itemLong + itemLP2 + unknownBinary + itemLP2 + MaxLayerName + itemLP2 + unknownBinary +
		3*itemLong + itemLP2 + MaxLayerData17
	layerData = 1 + 9*itemLong + 2*itemWord + 3*itemByte + itemLP2 + LayerPathSize + itemLP2 + MaxLayerName +
		itemLP2 + MaxLayerPathname + itemLP2 + MaxLayerData17 + 3
	circleInfoMax = 1 + 7*itemLong + 4*itemByte + itemLP2 + MaxCircleName + itemLP2 + MaxCircleName + // password: cap unknown, taken as the name's
		itemLP2 + MaxPartyMembers + itemLP2 + MaxRemarks + itemLP2 + MaxCapcomID
	circleUserData = 1 + itemLP2 + unknownBinary + itemWord + 2*itemByte + itemLP2 + MaxCapcomID + itemLP2 + MaxHunterName
	mediationItem  = 1 + itemLP2 + MaxMediationName + 2*itemByte
	userStatusSet  = 1 + 7*itemByte
	emptySlack     = 0x10 // for requests MH3SP ignores whose emptiness nobody confirmed
)

// fmpRequestLimits is, for every packet the game sends to FMP that pat
// decodes (categories 0x64-0x66 and NtcCheatCheck), the largest payload it
// plausibly sends. 0 means the game sends the packet empty (MHTriServer
// asserts an empty payload for it against the real game). Anything larger
// is hostile or broken.
//
// Opaque relays (layer/circle binaries and positions) get relayMax: their
// size is unknown, and MHTriServer, which served real games, reads every
// packet into a 0x2000-byte buffer, header included.
var fmpRequestLimits = map[ID]int{
	// Layers.
	IDReqLayerStart:            2 * blistMax,                                                            // two field-id lists
	IDReqLayerEnd:              0,                                                                       // MHTriServer: empty
	IDReqLayerDown:             2 + layerData,                                                           // u16 + what MHTriServer reads as a LayerData
	IDReqLayerUp:               0,                                                                       // MHTriServer: empty
	IDReqLayerChildInfo:        2 + blistMax + bytePairsMax,                                             // u16 + field-id list + byte pairs (MHTriServer)
	IDReqLayerChildListHead:    8 + blistMax,                                                            // two u32 + field-id list (MH3SP saw 15 bytes)
	IDReqLayerChildListData:    8,                                                                       // first, count (MHTriServer: exactly 8)
	IDReqLayerChildListFoot:    0,                                                                       // MHTriServer: empty
	IDReqLayerSiblingListHead:  8 + blistMax,                                                            // as the child list
	IDReqLayerSiblingListData:  8,                                                                       // first, count
	IDReqLayerSiblingListFoot:  emptySlack,                                                              // ignored by MH3SP; the child list's is empty
	IDReqLayerHost:             lp2LayerPath,                                                            // an lp2 LayerPath
	IDReqLayerUserList:         blistMax,                                                                // field-id list
	IDReqLayerUserListHead:     1 + lp2LayerPath + 8 + blistMax,                                         // u8, path, first, count, field-id list
	IDReqLayerUserListData:     8,                                                                       // first, count
	IDReqLayerUserListFoot:     0,                                                                       // MHTriServer: empty
	IDReqLayerCreateHead:       2,                                                                       // u16 number (MHTriServer: exactly 2)
	IDReqLayerCreateSet:        2 + layerSet + optMax,                                                   // u16, LayerSet, city options
	IDReqLayerCreateFoot:       3,                                                                       // u16 number, u8 flag (MHTriServer: exactly 3)
	IDReqLayerMediationList:    2 + blistMax,                                                            // two u8 + field-id list (MHTriServer)
	IDReqLayerMediationLock:    1 + mediationItem,                                                       // u8 index + MediationListItem
	IDReqLayerMediationUnlock:  1 + mediationItem,                                                       // same
	IDReqLayerTell:             lp2CapcomID + messageInfo + 2 + textMax,                                 // recipient, MessageInfo, text
	IDNtcLayerChat:             1 + messageInfo + 2 + textMax,                                           // u8, MessageInfo, text
	IDNtcLayerBinary:           relayMax,                                                                // blank LayerUserInfo + opaque blob
	IDNtcLayerUserPosition:     relayMax,                                                                // opaque blob
	IDNtcLayerBinary2:          relayMax,                                                                // partner, LayerBinaryInfo, opaque blob
	IDReqLayerUserSearchHead:   1 + lp2LayerPath + lp2CapcomID + lp2HunterName + doptMax + 8 + blistMax, // u8, path, id, name, criteria, offset, limit, field-id list
	IDReqLayerUserSearchData:   8,                                                                       // offset, count
	IDReqLayerUserSearchFoot:   emptySlack,                                                              // ignored by MH3SP
	IDReqLayerDetailSearchHead: 1 + doptMax + 8 + 2*blistMax,                                            // u8, criteria, offset, limit, two field-id lists
	IDReqLayerDetailSearchData: 8,                                                                       // offset, count
	IDReqLayerDetailSearchFoot: emptySlack,                                                              // ignored by MH3SP

	// Circles.
	IDReqCircleCreate:         circleInfoMax + optMax,      // CircleInfo + options
	IDReqCircleInfo:           4 + blistMax + bytePairsMax, // u32 + field-id list + byte pairs (MHTriServer; MH3SP saw 13+ bytes)
	IDReqCircleJoin:           4 + circleInfoMax,           // u32 + CircleInfo (0x0B, 0x03, 0x04 in practice)
	IDReqCircleLeave:          4,                           // u32 index (MHTriServer: exactly 4)
	IDReqCircleMatchOptionSet: circleUserData,              // CircleUserData
	IDReqCircleMatchStart:     0,                           // MHTriServer: empty
	IDReqCircleMatchEnd:       1,                           // u8 flag (MHTriServer: exactly 1)
	IDReqCircleInfoSet:        4 + circleInfoMax + optMax,  // u32, CircleInfo, options
	IDReqCircleListLayer:      blistMax + bytePairsMax,     // field-id list + byte pairs (MHTriServer)
	IDReqCircleHost:           4,                           // u32 index
	IDReqCircleUserList:       blistMax,                    // ignored by MH3SP; at most a field-id list like ReqLayerUserList
	IDReqCircleInfoNoticeSet:  2 * blistMax,                // two field-id lists
	IDNtcCircleBinary:         relayMax,                    // u32, blank LayerUserInfo, opaque blob
	IDNtcCircleBinary2:        relayMax,                    // u32, partner, LayerBinaryInfo, opaque blob
	IDNtcCircleChat:           messageInfo + 2 + textMax,   // MessageInfo, text

	// Users: tells, searches, display binary, status, friends, blacklist.
	IDReqTell:               lp2CapcomID + messageInfo + 2 + textMax,              // recipient, MessageInfo, text
	IDReqUserSearchSet:      optMax,                                               // options
	IDReqUserBinarySet:      4 + 2 + HunterSettingsSize,                           // offset + at most the whole display binary
	IDReqUserBinaryNotice:   1 + lp2CapcomID + 8,                                  // u8, id, offset, length
	IDReqUserSearchHead:     lp2CapcomID + lp2HunterName + doptMax + 8 + blistMax, // id, name, criteria, offset, limit, field-id list
	IDReqUserSearchData:     8,                                                    // offset, count
	IDReqUserSearchFoot:     emptySlack,                                           // ignored by MH3SP
	IDReqUserSearchInfo:     lp2CapcomID + userSearchInfo,                         // id + UserSearchInfo
	IDReqUserSearchInfoMine: userSearchInfo,                                       // UserSearchInfo
	IDReqUserStatusSet:      userStatusSet,                                        // seven Byte fields
	IDReqFriendAdd:          lp2CapcomID + messageInfo + 2 + textMax,              // recipient, MessageInfo, text
	IDReqFriendAccept:       lp2CapcomID + 1,                                      // requester, u8
	IDReqFriendDelete:       lp2CapcomID,                                          // id
	IDReqFriendList:         8 + blistMax,                                         // first, count, field-id list
	IDReqBlackAdd:           lp2CapcomID + friendData,                             // id + BlackListUserData
	IDReqBlackDelete:        lp2CapcomID,                                          // id
	IDReqBlackList:          8 + blistMax,                                         // two u32 + field-id list (MHTriServer)
	IDNtcCheatCheck:         2 + unknownBinary + 1 + 2*itemByte,                   // lp2 + two-Byte PatData (MHTriServer; the lp2's size is unknown)
}

func init() { registerLimits(fmpRequestLimits) }
