package handlers

import "github.com/mh3net/mh3net/pat"

// table maps every packet mh3net answers to its handler. Packets not in
// it are logged and ignored, as MH3SP does (the connection stays open).
func (s *Service) table() map[uint32]route {
	r := map[uint32]route{}
	add := func(id pat.ID, mutates bool, fn func(*Call, []byte) error) {
		r[uint32(id)] = route{mutates: mutates, fn: fn}
	}
	// Every server.
	add(pat.IDAnsConnection, false, on(s.AnsConnection))
	add(pat.IDReqLineCheck, false, on(s.ReqLineCheck))
	add(pat.IDReqShut, false, on(s.ReqShut))
	add(pat.IDReqServerTime, false, on(s.ReqServerTime))
	add(pat.IDNtcCollectionLog, false, on(s.NtcCollectionLog))
	add(pat.IDReqTicket, true, on(s.ReqTicket))
	// OPN.
	add(pat.IDReqAuthenticationToken, false, on(s.ReqAuthenticationToken))
	add(pat.IDReqTermsVersion, false, on(s.ReqTermsVersion))
	add(pat.IDReqTerms, false, on(s.ReqTerms))
	add(pat.IDReqSubTermsInfo, false, on(s.ReqSubTermsInfo))
	add(pat.IDReqSubTerms, false, on(s.ReqSubTerms))
	add(pat.IDReqMaintenance, false, on(s.ReqMaintenance))
	add(pat.IDReqAnnounce, false, on(s.ReqAnnounce))
	add(pat.IDReqNoCharge, false, on(s.ReqNoCharge))
	add(pat.IDReqVulgarityInfoHighJAP, false, on(s.ReqVulgarityInfoHighJAP))
	add(pat.IDReqVulgarityInfoLowJAP, false, on(s.ReqVulgarityInfoLowJAP))
	add(pat.IDReqVulgarityInfoLow, false, on(s.ReqVulgarityInfoLow))
	add(pat.IDReqVulgarityLow, false, on(s.ReqVulgarityLow))
	add(pat.IDReqCommonKey, false, on(s.ReqCommonKey))
	add(pat.IDReqLmpConnect, false, on(s.ReqLmpConnect))
	// LMP.
	add(pat.IDReqLoginInfo, true, on(s.ReqLoginInfo))
	add(pat.IDReqChargeInfo, true, on(s.ReqChargeInfo))
	add(pat.IDReqUserListHead, false, on(s.ReqUserListHead))
	add(pat.IDReqUserListData, true, on(s.ReqUserListData))
	add(pat.IDReqUserListFoot, false, on(s.ReqUserListFoot))
	add(pat.IDReqUserObject, true, on(s.ReqUserObject))
	add(pat.IDReqFmpListVersion, false, on(s.ReqFmpListVersion))
	add(pat.IDReqFmpListHead, false, on(s.ReqFmpListHead))
	add(pat.IDReqFmpListData, false, on(s.ReqFmpListData))
	add(pat.IDReqFmpListFoot, false, on(s.ReqFmpListFoot))
	add(pat.IDReqFmpInfo, true, on(s.ReqFmpInfo))
	// The server list in game, and binaries (FMP; MHTriServer also serves
	// binaries on LMP).
	add(pat.IDReqFmpListVersion2, false, on(s.ReqFmpListVersion2))
	add(pat.IDReqFmpListHead2, false, on(s.ReqFmpListHead2))
	add(pat.IDReqFmpListData2, false, on(s.ReqFmpListData2))
	add(pat.IDReqFmpListFoot2, false, on(s.ReqFmpListFoot2))
	add(pat.IDReqFmpInfo2, true, on(s.ReqFmpInfo2))
	add(pat.IDReqBinaryVersion, false, on(s.ReqBinaryVersion))
	add(pat.IDReqBinaryHead, false, on(s.ReqBinaryHead))
	add(pat.IDReqBinaryData, false, on(s.ReqBinaryData))
	add(pat.IDReqBinaryFoot, false, on(s.ReqBinaryFoot))
	// Answered from memory alone: safe to run without a goroutine of
	// their own.
	for _, id := range []pat.ID{
		pat.IDReqLineCheck, pat.IDReqServerTime, pat.IDNtcCollectionLog,
		pat.IDReqAuthenticationToken, pat.IDReqTermsVersion, pat.IDReqTerms,
		pat.IDReqSubTermsInfo, pat.IDReqSubTerms, pat.IDReqMaintenance,
		pat.IDReqAnnounce, pat.IDReqNoCharge, pat.IDReqVulgarityInfoHighJAP,
		pat.IDReqVulgarityInfoLowJAP, pat.IDReqVulgarityInfoLow, pat.IDReqVulgarityLow,
		pat.IDReqCommonKey, pat.IDReqUserListHead, pat.IDReqUserListFoot,
		pat.IDReqFmpListVersion, pat.IDReqFmpListHead, pat.IDReqFmpListFoot,
		pat.IDReqFmpListVersion2, pat.IDReqFmpListHead2, pat.IDReqFmpListFoot2,
		pat.IDReqBinaryVersion, pat.IDReqBinaryHead, pat.IDReqBinaryData, pat.IDReqBinaryFoot,
	} {
		rt := r[uint32(id)]
		rt.pure = true
		r[uint32(id)] = rt
	}
	return r
}
