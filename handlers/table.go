package handlers

import "github.com/mh3net/mh3net/pat"

// Where the game sends packets. A packet arriving on a server that does
// not serve it is ignored and logged, as an unsupported packet is: the
// category byte of an id does not say its server (protocol-facts §1.2),
// the listener it arrived on does.
var (
	onAll     = []string{"opn", "lmp", "fmp", "rfp"}
	onOPN     = []string{"opn"}
	onLMP     = []string{"lmp"}
	onFMP     = []string{"fmp"}
	onLMPFMP  = []string{"lmp", "fmp"}
	pureRoute = true
)

// table maps every packet mh3net answers to its handler. Packets not in
// it are logged and ignored, as MH3SP does (the connection stays open).
func (s *Service) table() map[uint32]route {
	r := map[uint32]route{}
	add := func(id pat.ID, servers []string, mutates, pure bool, fn func(*Call, []byte) error) {
		r[uint32(id)] = route{servers: servers, mutates: mutates, pure: pure, fn: fn}
	}
	// Every server.
	add(pat.IDAnsConnection, onAll, false, false, on(s.AnsConnection))
	add(pat.IDReqLineCheck, onAll, false, pureRoute, on(s.ReqLineCheck))
	add(pat.IDReqShut, onAll, false, false, on(s.ReqShut))
	add(pat.IDNtcCollectionLog, onAll, false, pureRoute, on(s.NtcCollectionLog))
	add(pat.IDReqServerTime, onAll, false, pureRoute, on(s.ReqServerTime)) // MH3SP answers it on every server
	add(pat.IDReqTicket, onLMP, true, false, on(s.ReqTicket))
	// OPN.
	add(pat.IDReqAuthenticationToken, onOPN, false, pureRoute, on(s.ReqAuthenticationToken))
	add(pat.IDReqTermsVersion, onOPN, false, pureRoute, on(s.ReqTermsVersion))
	add(pat.IDReqTerms, onOPN, false, pureRoute, on(s.ReqTerms))
	add(pat.IDReqSubTermsInfo, onOPN, false, pureRoute, on(s.ReqSubTermsInfo))
	add(pat.IDReqSubTerms, onOPN, false, pureRoute, on(s.ReqSubTerms))
	add(pat.IDReqMaintenance, onOPN, false, pureRoute, on(s.ReqMaintenance))
	add(pat.IDReqAnnounce, onOPN, false, pureRoute, on(s.ReqAnnounce))
	add(pat.IDReqNoCharge, onOPN, false, pureRoute, on(s.ReqNoCharge))
	add(pat.IDReqVulgarityInfoHighJAP, onOPN, false, pureRoute, on(s.ReqVulgarityInfoHighJAP))
	add(pat.IDReqVulgarityInfoLowJAP, onOPN, false, pureRoute, on(s.ReqVulgarityInfoLowJAP))
	add(pat.IDReqVulgarityInfoLow, onOPN, false, pureRoute, on(s.ReqVulgarityInfoLow))
	add(pat.IDReqVulgarityLow, onOPN, false, pureRoute, on(s.ReqVulgarityLow))
	add(pat.IDReqCommonKey, onOPN, false, pureRoute, on(s.ReqCommonKey))
	add(pat.IDReqLmpConnect, onOPN, false, false, on(s.ReqLmpConnect))
	// LMP.
	add(pat.IDReqLoginInfo, onLMP, true, false, on(s.ReqLoginInfo))
	add(pat.IDReqChargeInfo, onLMP, true, false, on(s.ReqChargeInfo))
	add(pat.IDReqUserListHead, onLMP, false, pureRoute, on(s.ReqUserListHead))
	add(pat.IDReqUserListData, onLMP, true, false, on(s.ReqUserListData))
	add(pat.IDReqUserListFoot, onLMP, false, pureRoute, on(s.ReqUserListFoot))
	add(pat.IDReqUserObject, onLMP, true, false, on(s.ReqUserObject))
	add(pat.IDReqFmpListVersion, onLMP, false, pureRoute, on(s.ReqFmpListVersion))
	add(pat.IDReqFmpListHead, onLMP, false, pureRoute, on(s.ReqFmpListHead))
	add(pat.IDReqFmpListData, onLMP, false, false, on(s.ReqFmpListData))
	add(pat.IDReqFmpListFoot, onLMP, false, pureRoute, on(s.ReqFmpListFoot))
	add(pat.IDReqFmpInfo, onLMP, true, false, on(s.ReqFmpInfo))
	// The server list in game, and binaries (FMP; MHTriServer also serves
	// binaries on LMP).
	add(pat.IDReqFmpListVersion2, onFMP, false, pureRoute, on(s.ReqFmpListVersion2))
	add(pat.IDReqFmpListHead2, onFMP, false, pureRoute, on(s.ReqFmpListHead2))
	add(pat.IDReqFmpListData2, onFMP, false, false, on(s.ReqFmpListData2))
	add(pat.IDReqFmpListFoot2, onFMP, false, pureRoute, on(s.ReqFmpListFoot2))
	add(pat.IDReqFmpInfo2, onFMP, true, false, on(s.ReqFmpInfo2))
	add(pat.IDReqBinaryVersion, onLMPFMP, false, pureRoute, on(s.ReqBinaryVersion))
	add(pat.IDReqBinaryHead, onLMPFMP, false, pureRoute, on(s.ReqBinaryHead))
	add(pat.IDReqBinaryData, onLMPFMP, false, pureRoute, on(s.ReqBinaryData))
	add(pat.IDReqBinaryFoot, onLMPFMP, false, pureRoute, on(s.ReqBinaryFoot))

	// FMP: arrival and what others see of the hunter.
	add(pat.IDReqUserSearchInfoMine, onLMPFMP, false, false, on(s.ReqUserSearchInfoMine))
	add(pat.IDReqLayerStart, onFMP, true, false, on(s.ReqLayerStart))
	add(pat.IDReqUserBinarySet, onFMP, true, false, on(s.ReqUserBinarySet))
	add(pat.IDReqUserBinaryNotice, onFMP, false, false, on(s.ReqUserBinaryNotice))
	add(pat.IDReqUserSearchSet, onFMP, true, false, on(s.ReqUserSearchSet))
	add(pat.IDReqUserStatusSet, onFMP, true, false, on(s.ReqUserStatusSet))
	add(pat.IDReqCircleInfoNoticeSet, onFMP, false, pureRoute, on(s.ReqCircleInfoNoticeSet))
	add(pat.IDNtcCheatCheck, onFMP, false, pureRoute, on(s.NtcCheatCheck))
	add(pat.IDReqFriendList, onFMP, false, false, on(s.ReqFriendList))
	add(pat.IDReqBlackList, onFMP, false, false, on(s.ReqBlackList))
	// FMP: the layer tree.
	add(pat.IDReqLayerChildListHead, onFMP, false, false, on(s.ReqLayerChildListHead))
	add(pat.IDReqLayerChildListData, onFMP, false, false, on(s.ReqLayerChildListData))
	add(pat.IDReqLayerChildListFoot, onFMP, false, pureRoute, on(s.ReqLayerChildListFoot))
	add(pat.IDReqLayerSiblingListHead, onFMP, false, false, on(s.ReqLayerSiblingListHead))
	add(pat.IDReqLayerSiblingListData, onFMP, false, false, on(s.ReqLayerSiblingListData))
	add(pat.IDReqLayerSiblingListFoot, onFMP, false, pureRoute, on(s.ReqLayerSiblingListFoot))
	add(pat.IDReqLayerChildInfo, onFMP, false, false, on(s.ReqLayerChildInfo))
	add(pat.IDReqLayerDown, onFMP, true, false, on(s.ReqLayerDown))
	add(pat.IDReqLayerUp, onFMP, true, false, on(s.ReqLayerUp))
	add(pat.IDReqLayerEnd, onFMP, true, false, on(s.ReqLayerEnd))
	add(pat.IDReqLayerHost, onFMP, false, false, on(s.ReqLayerHost))
	add(pat.IDReqLayerUserList, onFMP, false, false, on(s.ReqLayerUserList))
	add(pat.IDReqLayerUserListHead, onFMP, false, false, on(s.ReqLayerUserListHead))
	add(pat.IDReqLayerUserListData, onFMP, false, false, on(s.ReqLayerUserListData))
	add(pat.IDReqLayerUserListFoot, onFMP, false, pureRoute, on(s.ReqLayerUserListFoot))
	// FMP: cities.
	add(pat.IDReqLayerCreateHead, onFMP, true, false, on(s.ReqLayerCreateHead))
	add(pat.IDReqLayerCreateSet, onFMP, true, false, on(s.ReqLayerCreateSet))
	add(pat.IDReqLayerCreateFoot, onFMP, true, false, on(s.ReqLayerCreateFoot))
	add(pat.IDReqLayerMediationList, onFMP, false, false, on(s.ReqLayerMediationList))
	add(pat.IDReqLayerMediationLock, onFMP, true, false, on(s.ReqLayerMediationLock))
	add(pat.IDReqLayerMediationUnlock, onFMP, true, false, on(s.ReqLayerMediationUnlock))
	// FMP: relays and chat (notifications: no answer, run in place).
	add(pat.IDNtcLayerUserPosition, onFMP, false, pureRoute, s.relayLocal)
	add(pat.IDNtcLayerBinary, onFMP, false, pureRoute, s.relayLocal)
	add(pat.IDNtcLayerBinary2, onFMP, false, pureRoute, on(s.NtcLayerBinary2))
	add(pat.IDNtcLayerChat, onFMP, false, pureRoute, on(s.NtcLayerChat))
	add(pat.IDReqLayerTell, onFMP, false, false, on(s.ReqLayerTell))
	// FMP: circles (quest parties).
	add(pat.IDReqCircleCreate, onFMP, true, false, on(s.ReqCircleCreate))
	add(pat.IDReqCircleInfo, onFMP, false, false, on(s.ReqCircleInfo))
	add(pat.IDReqCircleListLayer, onFMP, false, false, on(s.ReqCircleListLayer))
	add(pat.IDReqCircleJoin, onFMP, true, false, on(s.ReqCircleJoin))
	add(pat.IDReqCircleUserList, onFMP, false, false, on(s.ReqCircleUserList))
	add(pat.IDReqCircleHost, onFMP, false, false, on(s.ReqCircleHost))
	add(pat.IDReqCircleMatchOptionSet, onFMP, true, false, on(s.ReqCircleMatchOptionSet))
	add(pat.IDReqCircleInfoSet, onFMP, true, false, on(s.ReqCircleInfoSet))
	add(pat.IDReqCircleMatchStart, onFMP, true, false, on(s.ReqCircleMatchStart))
	add(pat.IDReqCircleMatchEnd, onFMP, false, pureRoute, on(s.ReqCircleMatchEnd))
	add(pat.IDReqCircleLeave, onFMP, true, false, on(s.ReqCircleLeave))
	add(pat.IDNtcCircleBinary, onFMP, false, pureRoute, on(s.NtcCircleBinary))
	add(pat.IDNtcCircleBinary2, onFMP, false, pureRoute, on(s.NtcCircleBinary2))
	add(pat.IDNtcCircleChat, onFMP, false, pureRoute, on(s.NtcCircleChat))
	// FMP: searches inside a server.
	add(pat.IDReqLayerUserSearchHead, onFMP, false, false, on(s.ReqLayerUserSearchHead))
	add(pat.IDReqLayerUserSearchData, onFMP, false, false, on(s.ReqLayerUserSearchData))
	add(pat.IDReqLayerUserSearchFoot, onFMP, false, pureRoute, on(s.ReqLayerUserSearchFoot))
	add(pat.IDReqLayerDetailSearchHead, onFMP, false, false, on(s.ReqLayerDetailSearchHead))
	add(pat.IDReqLayerDetailSearchData, onFMP, false, false, on(s.ReqLayerDetailSearchData))
	add(pat.IDReqLayerDetailSearchFoot, onFMP, false, pureRoute, on(s.ReqLayerDetailSearchFoot))
	// FMP: tells, friends, the blacklist and the player search, across
	// every server and edge.
	add(pat.IDReqTell, onFMP, false, false, on(s.ReqTell))
	add(pat.IDReqFriendAdd, onFMP, true, false, on(s.ReqFriendAdd))
	add(pat.IDReqFriendAccept, onFMP, true, false, on(s.ReqFriendAccept))
	add(pat.IDReqFriendDelete, onFMP, true, false, on(s.ReqFriendDelete))
	add(pat.IDReqBlackAdd, onFMP, true, false, on(s.ReqBlackAdd))
	add(pat.IDReqBlackDelete, onFMP, true, false, on(s.ReqBlackDelete))
	add(pat.IDReqUserSearchHead, onFMP, false, false, on(s.ReqUserSearchHead))
	add(pat.IDReqUserSearchData, onFMP, false, false, on(s.ReqUserSearchData))
	add(pat.IDReqUserSearchFoot, onFMP, false, pureRoute, on(s.ReqUserSearchFoot))
	add(pat.IDReqUserSearchInfo, onFMP, false, false, on(s.ReqUserSearchInfo))
	return r
}
