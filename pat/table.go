// Code generated from the packet names MH3SP uses (PatID4); do not edit by hand.

package pat

// Packet ids, one constant per packet MH3SP names.
const (
	IDReqLineCheck             ID = 0x60010100
	IDAnsLineCheck             ID = 0x60010200
	IDReqServerTime            ID = 0x60020100
	IDAnsServerTime            ID = 0x60020200
	IDReqShut                  ID = 0x60100100
	IDAnsShut                  ID = 0x60100200
	IDNtcShut                  ID = 0x60101000
	IDNtcRecconect             ID = 0x60111000
	IDReqConnection            ID = 0x60200100
	IDAnsConnection            ID = 0x60200200
	IDNtcLogin                 ID = 0x60211000
	IDReqTicket                ID = 0x60300100
	IDAnsTicket                ID = 0x60300200
	IDReqTicket2               ID = 0x60310100
	IDAnsTicket2               ID = 0x60310200
	IDReqWarning               ID = 0x60400100
	IDAnsWarning               ID = 0x60400200
	IDNtcCollectionLog         ID = 0x60501000
	IDReqCommonKey             ID = 0x60700100
	IDAnsCommonKey             ID = 0x60700200
	IDNtcCheatCheck            ID = 0x60801000
	IDReqMemoryCheck           ID = 0x60810100
	IDAnsMemoryCheck           ID = 0x60810200
	IDReqLoginInfo             ID = 0x61010100
	IDAnsLoginInfo             ID = 0x61010200
	IDReqChargeInfo            ID = 0x61020100
	IDAnsChargeInfo            ID = 0x61020200
	IDReqUserListHead          ID = 0x61100100
	IDAnsUserListHead          ID = 0x61100200
	IDReqUserListData          ID = 0x61110100
	IDAnsUserListData          ID = 0x61110200
	IDReqUserListFoot          ID = 0x61120100
	IDAnsUserListFoot          ID = 0x61120200
	IDReqUserObject            ID = 0x61200100
	IDAnsUserObject            ID = 0x61200200
	IDReqFmpListVersion        ID = 0x61300100
	IDAnsFmpListVersion        ID = 0x61300200
	IDReqFmpListHead           ID = 0x61310100
	IDAnsFmpListHead           ID = 0x61310200
	IDReqFmpListData           ID = 0x61320100
	IDAnsFmpListData           ID = 0x61320200
	IDReqFmpListFoot           ID = 0x61330100
	IDAnsFmpListFoot           ID = 0x61330200
	IDReqFmpInfo               ID = 0x61340100
	IDAnsFmpInfo               ID = 0x61340200
	IDReqRfpConnect            ID = 0x61400100
	IDAnsRfpConnect            ID = 0x61400200
	IDReqLmpConnect            ID = 0x62010100
	IDAnsLmpConnect            ID = 0x62010200
	IDReqTermsVersion          ID = 0x62100100
	IDAnsTermsVersion          ID = 0x62100200
	IDReqTerms                 ID = 0x62110100
	IDAnsTerms                 ID = 0x62110200
	IDReqSubTermsInfo          ID = 0x62130100
	IDAnsSubTermsInfo          ID = 0x62130200
	IDReqSubTerms              ID = 0x62140100
	IDAnsSubTerms              ID = 0x62140200
	IDReqMaintenance           ID = 0x62200100
	IDAnsMaintenance           ID = 0x62200200
	IDReqAnnounce              ID = 0x62300100
	IDAnsAnnounce              ID = 0x62300200
	IDReqNoCharge              ID = 0x62310100
	IDAnsNoCharge              ID = 0x62310200
	IDReqMediaVersionInfo      ID = 0x62410100
	IDAnsMediaVersionInfo      ID = 0x62410200
	IDReqVulgarityInfoHighJAP  ID = 0x62500100
	IDAnsVulgarityInfoHighJAP  ID = 0x62500200
	IDReqVulgarityHighJAP      ID = 0x62510100
	IDAnsVulgarityHighJAP      ID = 0x62510200
	IDReqVulgarityInfoLowJAP   ID = 0x62520100
	IDAnsVulgarityInfoLowJAP   ID = 0x62520200
	IDReqVulgarityLowJAP       ID = 0x62530100
	IDAnsVulgarityLowJAP       ID = 0x62530200
	IDReqVulgarityInfoHigh     ID = 0x62540100
	IDAnsVulgarityInfoHigh     ID = 0x62540200
	IDReqVulgarityHigh         ID = 0x62550100
	IDAnsVulgarityHigh         ID = 0x62550200
	IDReqVulgarityInfoLow      ID = 0x62560100
	IDAnsVulgarityInfoLow      ID = 0x62560200
	IDReqVulgarityLow          ID = 0x62570100
	IDAnsVulgarityLow          ID = 0x62570200
	IDReqAuthenticationToken   ID = 0x62600100
	IDAnsAuthenticationToken   ID = 0x62600200
	IDReqBinaryVersion         ID = 0x63010100
	IDAnsBinaryVersion         ID = 0x63010200
	IDReqBinaryHead            ID = 0x63020100
	IDAnsBinaryHead            ID = 0x63020200
	IDReqBinaryData            ID = 0x63030100
	IDAnsBinaryData            ID = 0x63030200
	IDReqBinaryFoot            ID = 0x63040100
	IDAnsBinaryFoot            ID = 0x63040200
	IDReqFmpListVersion2       ID = 0x63100100
	IDAnsFmpListVersion2       ID = 0x63100200
	IDReqFmpListHead2          ID = 0x63110100
	IDAnsFmpListHead2          ID = 0x63110200
	IDReqFmpListData2          ID = 0x63120100
	IDAnsFmpListData2          ID = 0x63120200
	IDReqFmpListFoot2          ID = 0x63130100
	IDAnsFmpListFoot2          ID = 0x63130200
	IDReqFmpInfo2              ID = 0x63140100
	IDAnsFmpInfo2              ID = 0x63140200
	IDReqLayerStart            ID = 0x64010100
	IDAnsLayerStart            ID = 0x64010200
	IDReqLayerEnd              ID = 0x64020100
	IDAnsLayerEnd              ID = 0x64020200
	IDNtcLayerUserNum          ID = 0x64031000
	IDReqLayerJump             ID = 0x64100100
	IDAnsLayerJump             ID = 0x64100200
	IDReqLayerCreateHead       ID = 0x64110100
	IDAnsLayerCreateHead       ID = 0x64110200
	IDReqLayerCreateSet        ID = 0x64120100
	IDAnsLayerCreateSet        ID = 0x64120200
	IDReqLayerCreateFoot       ID = 0x64130100
	IDAnsLayerCreateFoot       ID = 0x64130200
	IDReqLayerDown             ID = 0x64140100
	IDAnsLayerDown             ID = 0x64140200
	IDNtcLayerIn               ID = 0x64141000
	IDReqLayerUp               ID = 0x64150100
	IDAnsLayerUp               ID = 0x64150200
	IDNtcLayerOut              ID = 0x64151000
	IDReqLayerJumpReady        ID = 0x64160100
	IDNtcLayerJumpReady        ID = 0x64160200
	IDReqLayerJumpGo           ID = 0x64170100
	IDNtcLayerJumpGo           ID = 0x64170200
	IDReqLayerInfoSet          ID = 0x64200100
	IDAnsLayerInfoSet          ID = 0x64200200
	IDNtcLayerInfoSet          ID = 0x64201000
	IDReqLayerInfo             ID = 0x64210100
	IDAnsLayerInfo             ID = 0x64210200
	IDReqLayerParentInfo       ID = 0x64220100
	IDAnsLayerParentInfo       ID = 0x64220200
	IDReqLayerChildInfo        ID = 0x64230100
	IDAnsLayerChildInfo        ID = 0x64230200
	IDReqLayerChildListHead    ID = 0x64240100
	IDAnsLayerChildListHead    ID = 0x64240200
	IDReqLayerChildListData    ID = 0x64250100
	IDAnsLayerChildListData    ID = 0x64250200
	IDReqLayerChildListFoot    ID = 0x64260100
	IDAnsLayerChildListFoot    ID = 0x64260200
	IDReqLayerSiblingListHead  ID = 0x64270100
	IDAnsLayerSiblingListHead  ID = 0x64270200
	IDReqLayerSiblingListData  ID = 0x64280100
	IDAnsLayerSiblingListData  ID = 0x64280200
	IDReqLayerSiblingListFoot  ID = 0x64290100
	IDAnsLayerSiblingListFoot  ID = 0x64290200
	IDReqLayerHost             ID = 0x64410100
	IDAnsLayerHost             ID = 0x64410200
	IDNtcLayerHost             ID = 0x64411000
	IDReqLayerUserInfoSet      ID = 0x64600100
	IDAnsLayerUserInfoSet      ID = 0x64600200
	IDNtcLayerUserInfoSet      ID = 0x64601000
	IDReqLayerUserList         ID = 0x64630100
	IDAnsLayerUserList         ID = 0x64630200
	IDReqLayerUserListHead     ID = 0x64640100
	IDAnsLayerUserListHead     ID = 0x64640200
	IDReqLayerUserListData     ID = 0x64650100
	IDAnsLayerUserListData     ID = 0x64650200
	IDReqLayerUserListFoot     ID = 0x64660100
	IDAnsLayerUserListFoot     ID = 0x64660200
	IDReqLayerUserSearchHead   ID = 0x64670100
	IDAnsLayerUserSearchHead   ID = 0x64670200
	IDReqLayerUserSearchData   ID = 0x64680100
	IDAnsLayerUserSearchData   ID = 0x64680200
	IDReqLayerUserSearchFoot   ID = 0x64690100
	IDAnsLayerUserSearchFoot   ID = 0x64690200
	IDNtcLayerBinary           ID = 0x64701000
	IDNtcLayerUserPosition     ID = 0x64711000
	IDNtcLayerChat             ID = 0x64721000
	IDReqLayerTell             ID = 0x64730100
	IDAnsLayerTell             ID = 0x64730200
	IDNtcLayerTell             ID = 0x64731000
	IDNtc0x6474                ID = 0x64741000
	IDNtcLayerBinary2          ID = 0x64751000
	IDReqLayerMediationLock    ID = 0x64800100
	IDAnsLayerMediationLock    ID = 0x64800200
	IDNtcLayerMediationLock    ID = 0x64801000
	IDReqLayerMediationUnlock  ID = 0x64810100
	IDAnsLayerMediationUnlock  ID = 0x64810200
	IDNtcLayerMediationUnlock  ID = 0x64811000
	IDReqLayerMediationList    ID = 0x64820100
	IDAnsLayerMediationList    ID = 0x64820200
	IDReqLayerDetailSearchHead ID = 0x64900100
	IDAnsLayerDetailSearchHead ID = 0x64900200
	IDReqLayerDetailSearchData ID = 0x64910100
	IDAnsLayerDetailSearchData ID = 0x64910200
	IDReqLayerDetailSearchFoot ID = 0x64920100
	IDAnsLayerDetailSearchFoot ID = 0x64920200
	IDReqCircleCreate          ID = 0x65010100
	IDAnsCircleCreate          ID = 0x65010200
	IDReqCircleInfo            ID = 0x65020100
	IDAnsCircleInfo            ID = 0x65020200
	IDReqCircleJoin            ID = 0x65030100
	IDAnsCircleJoin            ID = 0x65030200
	IDNtcCircleJoin            ID = 0x65031000
	IDReqCircleLeave           ID = 0x65040100
	IDAnsCircleLeave           ID = 0x65040200
	IDNtcCircleLeave           ID = 0x65041000
	IDReqCircleBreak           ID = 0x65050100
	IDAnsCircleBreak           ID = 0x65050200
	IDNtcCircleBreak           ID = 0x65051000
	IDReqCircleMatchOptionSet  ID = 0x65100100
	IDAnsCircleMatchOptionSet  ID = 0x65100200
	IDNtcCircleMatchOptionSet  ID = 0x65101000
	IDReqCircleMatchOptionGet  ID = 0x65110100
	IDAnsCircleMatchOptionGet  ID = 0x65110200
	IDReqCircleMatchStart      ID = 0x65120100
	IDAnsCircleMatchStart      ID = 0x65120200
	IDNtcCircleMatchStart      ID = 0x65121000
	IDReqCircleMatchEnd        ID = 0x65130100
	IDAnsCircleMatchEnd        ID = 0x65130200
	IDReqCircleInfoSet         ID = 0x65200100
	IDAnsCircleInfoSet         ID = 0x65200200
	IDNtcCircleInfoSet         ID = 0x65201000
	IDReqCircleListLayer       ID = 0x65270100
	IDAnsCircleListLayer       ID = 0x65270200
	IDReqCircleSearchHead      ID = 0x65280100
	IDAnsCircleSearchHead      ID = 0x65280200
	IDReqCircleSearchData      ID = 0x65290100
	IDAnsCircleSearchData      ID = 0x65290200
	IDReqCircleSearchFoot      ID = 0x652A0100
	IDAnsCircleSearchFoot      ID = 0x652A0200
	IDReqCircleKick            ID = 0x65350100
	IDAnsCircleKick            ID = 0x65350200
	IDNtcCircleKick            ID = 0x65351000
	IDReqCircleDeleteKickList  ID = 0x65360100
	IDAnsCircleDeleteKickList  ID = 0x65360200
	IDReqCircleHostHandover    ID = 0x65400100
	IDAnsCircleHostHandover    ID = 0x65400200
	IDNtcCircleHostHandover    ID = 0x65401000
	IDReqCircleHost            ID = 0x65410100
	IDAnsCircleHost            ID = 0x65410200
	IDNtcCircleHost            ID = 0x65411000
	IDReqCircleUserList        ID = 0x65600100
	IDAnsCircleUserList        ID = 0x65600200
	IDNtcCircleBinary          ID = 0x65701000
	IDNtcCircleBinary2         ID = 0x65711000
	IDNtcCircleChat            ID = 0x65721000
	IDReqCircleTell            ID = 0x65730100
	IDAnsCircleTell            ID = 0x65730200
	IDNtcCircleTell            ID = 0x65731000
	IDReqCircleInfoNoticeSet   ID = 0x65800100
	IDAnsCircleInfoNoticeSet   ID = 0x65800200
	IDNtcCircleListLayerCreate ID = 0x65811000
	IDNtcCircleListLayerChange ID = 0x65821000
	IDNtcCircleListLayerDelete ID = 0x65831000
	IDReqMcsCreate             ID = 0x65900100
	IDAnsMcsCreate             ID = 0x65900200
	IDNtcMcsCreate             ID = 0x65901000
	IDNtcMcsStart              ID = 0x65911000
	IDReqTell                  ID = 0x66110100
	IDAnsTell                  ID = 0x66110200
	IDNtcTell                  ID = 0x66111000
	IDReqBinaryUser            ID = 0x66120100
	IDAnsBinaryUser            ID = 0x66120200
	IDNtcBinaryUser            ID = 0x66121000
	IDNtcBinaryServer          ID = 0x66131000
	IDReqUserSearchSet         ID = 0x66300100
	IDAnsUserSearchSet         ID = 0x66300200
	IDReqUserBinarySet         ID = 0x66310100
	IDAnsUserBinarySet         ID = 0x66310200
	IDReqUserBinaryNotice      ID = 0x66320100
	IDAnsUserBinaryNotice      ID = 0x66320200
	IDNtcUserBinaryNotice      ID = 0x66321000
	IDReqUserSearchHead        ID = 0x66330100
	IDAnsUserSearchHead        ID = 0x66330200
	IDReqUserSearchData        ID = 0x66340100
	IDAnsUserSearchData        ID = 0x66340200
	IDReqUserSearchFoot        ID = 0x66350100
	IDAnsUserSearchFoot        ID = 0x66350200
	IDReqUserSearchInfo        ID = 0x66360100
	IDAnsUserSearchInfo        ID = 0x66360200
	IDReqUserSearchInfoMine    ID = 0x66370100
	IDAnsUserSearchInfoMine    ID = 0x66370200
	IDReqUserStatusSet         ID = 0x66400100
	IDAnsUserStatusSet         ID = 0x66400200
	IDReqUserStatus            ID = 0x66410100
	IDAnsUserStatus            ID = 0x66410200
	IDReqFriendAdd             ID = 0x66500100
	IDAnsFriendAdd             ID = 0x66500200
	IDNtcFriendAdd             ID = 0x66501000
	IDReqFriendAccept          ID = 0x66510100
	IDAnsFriendAccept          ID = 0x66510200
	IDNtcFriendAccept          ID = 0x66511000
	IDReqFriendDelete          ID = 0x66530100
	IDAnsFriendDelete          ID = 0x66530200
	IDReqFriendList            ID = 0x66540100
	IDAnsFriendList            ID = 0x66540200
	IDReqBlackAdd              ID = 0x66600100
	IDAnsBlackAdd              ID = 0x66600200
	IDReqBlackDelete           ID = 0x66610100
	IDAnsBlackDelete           ID = 0x66610200
	IDReqBlackList             ID = 0x66620100
	IDAnsBlackList             ID = 0x66620200
	IDReqAgreementPageNum      ID = 0x69010100
	IDAnsAgreementPageNum      ID = 0x69010200
	IDReqAgreementPageInfo     ID = 0x69020100
	IDAnsAgreementPageInfo     ID = 0x69020200
	IDReqAgreementPage         ID = 0x69030100
	IDAnsAgreementPage         ID = 0x69030200
	IDReqAgreement             ID = 0x69100100
	IDAnsAgreement             ID = 0x69100200
)

// names maps every packet id to its name.
var names = map[ID]string{
	IDReqLineCheck:             "ReqLineCheck",
	IDAnsLineCheck:             "AnsLineCheck",
	IDReqServerTime:            "ReqServerTime",
	IDAnsServerTime:            "AnsServerTime",
	IDReqShut:                  "ReqShut",
	IDAnsShut:                  "AnsShut",
	IDNtcShut:                  "NtcShut",
	IDNtcRecconect:             "NtcRecconect",
	IDReqConnection:            "ReqConnection",
	IDAnsConnection:            "AnsConnection",
	IDNtcLogin:                 "NtcLogin",
	IDReqTicket:                "ReqTicket",
	IDAnsTicket:                "AnsTicket",
	IDReqTicket2:               "ReqTicket2",
	IDAnsTicket2:               "AnsTicket2",
	IDReqWarning:               "ReqWarning",
	IDAnsWarning:               "AnsWarning",
	IDNtcCollectionLog:         "NtcCollectionLog",
	IDReqCommonKey:             "ReqCommonKey",
	IDAnsCommonKey:             "AnsCommonKey",
	IDNtcCheatCheck:            "NtcCheatCheck",
	IDReqMemoryCheck:           "ReqMemoryCheck",
	IDAnsMemoryCheck:           "AnsMemoryCheck",
	IDReqLoginInfo:             "ReqLoginInfo",
	IDAnsLoginInfo:             "AnsLoginInfo",
	IDReqChargeInfo:            "ReqChargeInfo",
	IDAnsChargeInfo:            "AnsChargeInfo",
	IDReqUserListHead:          "ReqUserListHead",
	IDAnsUserListHead:          "AnsUserListHead",
	IDReqUserListData:          "ReqUserListData",
	IDAnsUserListData:          "AnsUserListData",
	IDReqUserListFoot:          "ReqUserListFoot",
	IDAnsUserListFoot:          "AnsUserListFoot",
	IDReqUserObject:            "ReqUserObject",
	IDAnsUserObject:            "AnsUserObject",
	IDReqFmpListVersion:        "ReqFmpListVersion",
	IDAnsFmpListVersion:        "AnsFmpListVersion",
	IDReqFmpListHead:           "ReqFmpListHead",
	IDAnsFmpListHead:           "AnsFmpListHead",
	IDReqFmpListData:           "ReqFmpListData",
	IDAnsFmpListData:           "AnsFmpListData",
	IDReqFmpListFoot:           "ReqFmpListFoot",
	IDAnsFmpListFoot:           "AnsFmpListFoot",
	IDReqFmpInfo:               "ReqFmpInfo",
	IDAnsFmpInfo:               "AnsFmpInfo",
	IDReqRfpConnect:            "ReqRfpConnect",
	IDAnsRfpConnect:            "AnsRfpConnect",
	IDReqLmpConnect:            "ReqLmpConnect",
	IDAnsLmpConnect:            "AnsLmpConnect",
	IDReqTermsVersion:          "ReqTermsVersion",
	IDAnsTermsVersion:          "AnsTermsVersion",
	IDReqTerms:                 "ReqTerms",
	IDAnsTerms:                 "AnsTerms",
	IDReqSubTermsInfo:          "ReqSubTermsInfo",
	IDAnsSubTermsInfo:          "AnsSubTermsInfo",
	IDReqSubTerms:              "ReqSubTerms",
	IDAnsSubTerms:              "AnsSubTerms",
	IDReqMaintenance:           "ReqMaintenance",
	IDAnsMaintenance:           "AnsMaintenance",
	IDReqAnnounce:              "ReqAnnounce",
	IDAnsAnnounce:              "AnsAnnounce",
	IDReqNoCharge:              "ReqNoCharge",
	IDAnsNoCharge:              "AnsNoCharge",
	IDReqMediaVersionInfo:      "ReqMediaVersionInfo",
	IDAnsMediaVersionInfo:      "AnsMediaVersionInfo",
	IDReqVulgarityInfoHighJAP:  "ReqVulgarityInfoHighJAP",
	IDAnsVulgarityInfoHighJAP:  "AnsVulgarityInfoHighJAP",
	IDReqVulgarityHighJAP:      "ReqVulgarityHighJAP",
	IDAnsVulgarityHighJAP:      "AnsVulgarityHighJAP",
	IDReqVulgarityInfoLowJAP:   "ReqVulgarityInfoLowJAP",
	IDAnsVulgarityInfoLowJAP:   "AnsVulgarityInfoLowJAP",
	IDReqVulgarityLowJAP:       "ReqVulgarityLowJAP",
	IDAnsVulgarityLowJAP:       "AnsVulgarityLowJAP",
	IDReqVulgarityInfoHigh:     "ReqVulgarityInfoHigh",
	IDAnsVulgarityInfoHigh:     "AnsVulgarityInfoHigh",
	IDReqVulgarityHigh:         "ReqVulgarityHigh",
	IDAnsVulgarityHigh:         "AnsVulgarityHigh",
	IDReqVulgarityInfoLow:      "ReqVulgarityInfoLow",
	IDAnsVulgarityInfoLow:      "AnsVulgarityInfoLow",
	IDReqVulgarityLow:          "ReqVulgarityLow",
	IDAnsVulgarityLow:          "AnsVulgarityLow",
	IDReqAuthenticationToken:   "ReqAuthenticationToken",
	IDAnsAuthenticationToken:   "AnsAuthenticationToken",
	IDReqBinaryVersion:         "ReqBinaryVersion",
	IDAnsBinaryVersion:         "AnsBinaryVersion",
	IDReqBinaryHead:            "ReqBinaryHead",
	IDAnsBinaryHead:            "AnsBinaryHead",
	IDReqBinaryData:            "ReqBinaryData",
	IDAnsBinaryData:            "AnsBinaryData",
	IDReqBinaryFoot:            "ReqBinaryFoot",
	IDAnsBinaryFoot:            "AnsBinaryFoot",
	IDReqFmpListVersion2:       "ReqFmpListVersion2",
	IDAnsFmpListVersion2:       "AnsFmpListVersion2",
	IDReqFmpListHead2:          "ReqFmpListHead2",
	IDAnsFmpListHead2:          "AnsFmpListHead2",
	IDReqFmpListData2:          "ReqFmpListData2",
	IDAnsFmpListData2:          "AnsFmpListData2",
	IDReqFmpListFoot2:          "ReqFmpListFoot2",
	IDAnsFmpListFoot2:          "AnsFmpListFoot2",
	IDReqFmpInfo2:              "ReqFmpInfo2",
	IDAnsFmpInfo2:              "AnsFmpInfo2",
	IDReqLayerStart:            "ReqLayerStart",
	IDAnsLayerStart:            "AnsLayerStart",
	IDReqLayerEnd:              "ReqLayerEnd",
	IDAnsLayerEnd:              "AnsLayerEnd",
	IDNtcLayerUserNum:          "NtcLayerUserNum",
	IDReqLayerJump:             "ReqLayerJump",
	IDAnsLayerJump:             "AnsLayerJump",
	IDReqLayerCreateHead:       "ReqLayerCreateHead",
	IDAnsLayerCreateHead:       "AnsLayerCreateHead",
	IDReqLayerCreateSet:        "ReqLayerCreateSet",
	IDAnsLayerCreateSet:        "AnsLayerCreateSet",
	IDReqLayerCreateFoot:       "ReqLayerCreateFoot",
	IDAnsLayerCreateFoot:       "AnsLayerCreateFoot",
	IDReqLayerDown:             "ReqLayerDown",
	IDAnsLayerDown:             "AnsLayerDown",
	IDNtcLayerIn:               "NtcLayerIn",
	IDReqLayerUp:               "ReqLayerUp",
	IDAnsLayerUp:               "AnsLayerUp",
	IDNtcLayerOut:              "NtcLayerOut",
	IDReqLayerJumpReady:        "ReqLayerJumpReady",
	IDNtcLayerJumpReady:        "NtcLayerJumpReady",
	IDReqLayerJumpGo:           "ReqLayerJumpGo",
	IDNtcLayerJumpGo:           "NtcLayerJumpGo",
	IDReqLayerInfoSet:          "ReqLayerInfoSet",
	IDAnsLayerInfoSet:          "AnsLayerInfoSet",
	IDNtcLayerInfoSet:          "NtcLayerInfoSet",
	IDReqLayerInfo:             "ReqLayerInfo",
	IDAnsLayerInfo:             "AnsLayerInfo",
	IDReqLayerParentInfo:       "ReqLayerParentInfo",
	IDAnsLayerParentInfo:       "AnsLayerParentInfo",
	IDReqLayerChildInfo:        "ReqLayerChildInfo",
	IDAnsLayerChildInfo:        "AnsLayerChildInfo",
	IDReqLayerChildListHead:    "ReqLayerChildListHead",
	IDAnsLayerChildListHead:    "AnsLayerChildListHead",
	IDReqLayerChildListData:    "ReqLayerChildListData",
	IDAnsLayerChildListData:    "AnsLayerChildListData",
	IDReqLayerChildListFoot:    "ReqLayerChildListFoot",
	IDAnsLayerChildListFoot:    "AnsLayerChildListFoot",
	IDReqLayerSiblingListHead:  "ReqLayerSiblingListHead",
	IDAnsLayerSiblingListHead:  "AnsLayerSiblingListHead",
	IDReqLayerSiblingListData:  "ReqLayerSiblingListData",
	IDAnsLayerSiblingListData:  "AnsLayerSiblingListData",
	IDReqLayerSiblingListFoot:  "ReqLayerSiblingListFoot",
	IDAnsLayerSiblingListFoot:  "AnsLayerSiblingListFoot",
	IDReqLayerHost:             "ReqLayerHost",
	IDAnsLayerHost:             "AnsLayerHost",
	IDNtcLayerHost:             "NtcLayerHost",
	IDReqLayerUserInfoSet:      "ReqLayerUserInfoSet",
	IDAnsLayerUserInfoSet:      "AnsLayerUserInfoSet",
	IDNtcLayerUserInfoSet:      "NtcLayerUserInfoSet",
	IDReqLayerUserList:         "ReqLayerUserList",
	IDAnsLayerUserList:         "AnsLayerUserList",
	IDReqLayerUserListHead:     "ReqLayerUserListHead",
	IDAnsLayerUserListHead:     "AnsLayerUserListHead",
	IDReqLayerUserListData:     "ReqLayerUserListData",
	IDAnsLayerUserListData:     "AnsLayerUserListData",
	IDReqLayerUserListFoot:     "ReqLayerUserListFoot",
	IDAnsLayerUserListFoot:     "AnsLayerUserListFoot",
	IDReqLayerUserSearchHead:   "ReqLayerUserSearchHead",
	IDAnsLayerUserSearchHead:   "AnsLayerUserSearchHead",
	IDReqLayerUserSearchData:   "ReqLayerUserSearchData",
	IDAnsLayerUserSearchData:   "AnsLayerUserSearchData",
	IDReqLayerUserSearchFoot:   "ReqLayerUserSearchFoot",
	IDAnsLayerUserSearchFoot:   "AnsLayerUserSearchFoot",
	IDNtcLayerBinary:           "NtcLayerBinary",
	IDNtcLayerUserPosition:     "NtcLayerUserPosition",
	IDNtcLayerChat:             "NtcLayerChat",
	IDReqLayerTell:             "ReqLayerTell",
	IDAnsLayerTell:             "AnsLayerTell",
	IDNtcLayerTell:             "NtcLayerTell",
	IDNtc0x6474:                "Ntc0x6474",
	IDNtcLayerBinary2:          "NtcLayerBinary2",
	IDReqLayerMediationLock:    "ReqLayerMediationLock",
	IDAnsLayerMediationLock:    "AnsLayerMediationLock",
	IDNtcLayerMediationLock:    "NtcLayerMediationLock",
	IDReqLayerMediationUnlock:  "ReqLayerMediationUnlock",
	IDAnsLayerMediationUnlock:  "AnsLayerMediationUnlock",
	IDNtcLayerMediationUnlock:  "NtcLayerMediationUnlock",
	IDReqLayerMediationList:    "ReqLayerMediationList",
	IDAnsLayerMediationList:    "AnsLayerMediationList",
	IDReqLayerDetailSearchHead: "ReqLayerDetailSearchHead",
	IDAnsLayerDetailSearchHead: "AnsLayerDetailSearchHead",
	IDReqLayerDetailSearchData: "ReqLayerDetailSearchData",
	IDAnsLayerDetailSearchData: "AnsLayerDetailSearchData",
	IDReqLayerDetailSearchFoot: "ReqLayerDetailSearchFoot",
	IDAnsLayerDetailSearchFoot: "AnsLayerDetailSearchFoot",
	IDReqCircleCreate:          "ReqCircleCreate",
	IDAnsCircleCreate:          "AnsCircleCreate",
	IDReqCircleInfo:            "ReqCircleInfo",
	IDAnsCircleInfo:            "AnsCircleInfo",
	IDReqCircleJoin:            "ReqCircleJoin",
	IDAnsCircleJoin:            "AnsCircleJoin",
	IDNtcCircleJoin:            "NtcCircleJoin",
	IDReqCircleLeave:           "ReqCircleLeave",
	IDAnsCircleLeave:           "AnsCircleLeave",
	IDNtcCircleLeave:           "NtcCircleLeave",
	IDReqCircleBreak:           "ReqCircleBreak",
	IDAnsCircleBreak:           "AnsCircleBreak",
	IDNtcCircleBreak:           "NtcCircleBreak",
	IDReqCircleMatchOptionSet:  "ReqCircleMatchOptionSet",
	IDAnsCircleMatchOptionSet:  "AnsCircleMatchOptionSet",
	IDNtcCircleMatchOptionSet:  "NtcCircleMatchOptionSet",
	IDReqCircleMatchOptionGet:  "ReqCircleMatchOptionGet",
	IDAnsCircleMatchOptionGet:  "AnsCircleMatchOptionGet",
	IDReqCircleMatchStart:      "ReqCircleMatchStart",
	IDAnsCircleMatchStart:      "AnsCircleMatchStart",
	IDNtcCircleMatchStart:      "NtcCircleMatchStart",
	IDReqCircleMatchEnd:        "ReqCircleMatchEnd",
	IDAnsCircleMatchEnd:        "AnsCircleMatchEnd",
	IDReqCircleInfoSet:         "ReqCircleInfoSet",
	IDAnsCircleInfoSet:         "AnsCircleInfoSet",
	IDNtcCircleInfoSet:         "NtcCircleInfoSet",
	IDReqCircleListLayer:       "ReqCircleListLayer",
	IDAnsCircleListLayer:       "AnsCircleListLayer",
	IDReqCircleSearchHead:      "ReqCircleSearchHead",
	IDAnsCircleSearchHead:      "AnsCircleSearchHead",
	IDReqCircleSearchData:      "ReqCircleSearchData",
	IDAnsCircleSearchData:      "AnsCircleSearchData",
	IDReqCircleSearchFoot:      "ReqCircleSearchFoot",
	IDAnsCircleSearchFoot:      "AnsCircleSearchFoot",
	IDReqCircleKick:            "ReqCircleKick",
	IDAnsCircleKick:            "AnsCircleKick",
	IDNtcCircleKick:            "NtcCircleKick",
	IDReqCircleDeleteKickList:  "ReqCircleDeleteKickList",
	IDAnsCircleDeleteKickList:  "AnsCircleDeleteKickList",
	IDReqCircleHostHandover:    "ReqCircleHostHandover",
	IDAnsCircleHostHandover:    "AnsCircleHostHandover",
	IDNtcCircleHostHandover:    "NtcCircleHostHandover",
	IDReqCircleHost:            "ReqCircleHost",
	IDAnsCircleHost:            "AnsCircleHost",
	IDNtcCircleHost:            "NtcCircleHost",
	IDReqCircleUserList:        "ReqCircleUserList",
	IDAnsCircleUserList:        "AnsCircleUserList",
	IDNtcCircleBinary:          "NtcCircleBinary",
	IDNtcCircleBinary2:         "NtcCircleBinary2",
	IDNtcCircleChat:            "NtcCircleChat",
	IDReqCircleTell:            "ReqCircleTell",
	IDAnsCircleTell:            "AnsCircleTell",
	IDNtcCircleTell:            "NtcCircleTell",
	IDReqCircleInfoNoticeSet:   "ReqCircleInfoNoticeSet",
	IDAnsCircleInfoNoticeSet:   "AnsCircleInfoNoticeSet",
	IDNtcCircleListLayerCreate: "NtcCircleListLayerCreate",
	IDNtcCircleListLayerChange: "NtcCircleListLayerChange",
	IDNtcCircleListLayerDelete: "NtcCircleListLayerDelete",
	IDReqMcsCreate:             "ReqMcsCreate",
	IDAnsMcsCreate:             "AnsMcsCreate",
	IDNtcMcsCreate:             "NtcMcsCreate",
	IDNtcMcsStart:              "NtcMcsStart",
	IDReqTell:                  "ReqTell",
	IDAnsTell:                  "AnsTell",
	IDNtcTell:                  "NtcTell",
	IDReqBinaryUser:            "ReqBinaryUser",
	IDAnsBinaryUser:            "AnsBinaryUser",
	IDNtcBinaryUser:            "NtcBinaryUser",
	IDNtcBinaryServer:          "NtcBinaryServer",
	IDReqUserSearchSet:         "ReqUserSearchSet",
	IDAnsUserSearchSet:         "AnsUserSearchSet",
	IDReqUserBinarySet:         "ReqUserBinarySet",
	IDAnsUserBinarySet:         "AnsUserBinarySet",
	IDReqUserBinaryNotice:      "ReqUserBinaryNotice",
	IDAnsUserBinaryNotice:      "AnsUserBinaryNotice",
	IDNtcUserBinaryNotice:      "NtcUserBinaryNotice",
	IDReqUserSearchHead:        "ReqUserSearchHead",
	IDAnsUserSearchHead:        "AnsUserSearchHead",
	IDReqUserSearchData:        "ReqUserSearchData",
	IDAnsUserSearchData:        "AnsUserSearchData",
	IDReqUserSearchFoot:        "ReqUserSearchFoot",
	IDAnsUserSearchFoot:        "AnsUserSearchFoot",
	IDReqUserSearchInfo:        "ReqUserSearchInfo",
	IDAnsUserSearchInfo:        "AnsUserSearchInfo",
	IDReqUserSearchInfoMine:    "ReqUserSearchInfoMine",
	IDAnsUserSearchInfoMine:    "AnsUserSearchInfoMine",
	IDReqUserStatusSet:         "ReqUserStatusSet",
	IDAnsUserStatusSet:         "AnsUserStatusSet",
	IDReqUserStatus:            "ReqUserStatus",
	IDAnsUserStatus:            "AnsUserStatus",
	IDReqFriendAdd:             "ReqFriendAdd",
	IDAnsFriendAdd:             "AnsFriendAdd",
	IDNtcFriendAdd:             "NtcFriendAdd",
	IDReqFriendAccept:          "ReqFriendAccept",
	IDAnsFriendAccept:          "AnsFriendAccept",
	IDNtcFriendAccept:          "NtcFriendAccept",
	IDReqFriendDelete:          "ReqFriendDelete",
	IDAnsFriendDelete:          "AnsFriendDelete",
	IDReqFriendList:            "ReqFriendList",
	IDAnsFriendList:            "AnsFriendList",
	IDReqBlackAdd:              "ReqBlackAdd",
	IDAnsBlackAdd:              "AnsBlackAdd",
	IDReqBlackDelete:           "ReqBlackDelete",
	IDAnsBlackDelete:           "AnsBlackDelete",
	IDReqBlackList:             "ReqBlackList",
	IDAnsBlackList:             "AnsBlackList",
	IDReqAgreementPageNum:      "ReqAgreementPageNum",
	IDAnsAgreementPageNum:      "AnsAgreementPageNum",
	IDReqAgreementPageInfo:     "ReqAgreementPageInfo",
	IDAnsAgreementPageInfo:     "AnsAgreementPageInfo",
	IDReqAgreementPage:         "ReqAgreementPage",
	IDAnsAgreementPage:         "AnsAgreementPage",
	IDReqAgreement:             "ReqAgreement",
	IDAnsAgreement:             "AnsAgreement",
}
