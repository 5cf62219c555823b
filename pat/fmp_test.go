package pat

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Byte vectors printed by running MH3SP's own packing code (LayerData.create_from,
// CircleInfo.pack_from, packNtcLayerInfoSet, ...) on a test city: facts, not code.
const (
	mh3spLayerPath                = "0000000300000001000100020003"
	mh3spDummy                    = "07050200010305000a4c6179657253746172740603000000000903000000041001011103000001f4120101"
	mh3spAnsLayerChildInfo        = "000107050200010305000a4c6179657253746172740603000000000903000000041001011103000001f41201010000"
	mh3spCityLayerData            = "0e010300000003050200031103000001f41201010305000543697479330603000000020703000000020903000000040b03000000010c030000000c10010315010316050013533109436974792047617465320943697479330206000e0000000300000001000100020003"
	mh3spAnsLayerChildListData    = "00000003000000010e010300000003050200031103000001f41201010305000543697479330603000000020703000000020903000000040b03000000010c030000000c10010315010316050013533109436974792047617465320943697479330206000e0000000300000001000100020003040101000000000201000000020301ffffffff040100000005"
	mh3spGateLayerData            = "0a010300000002050200021103000001f41201010305000a43697479204761746532060300000002070300000002090300000064100103150102"
	mh3spServerLayerData          = "0a010300000001050200011103000001f4120101030500025331060300000002070300000002090300000064100100150101"
	mh3spNtcLayerInfoSet          = "000e00000003000000010001000200030e010300000003050200031103000001f41201010305000543697479330603000000020703000000020903000000040b03000000010c030000000c10010315010316050013533109436974792047617465320943697479330206000e0000000300000001000100020003040101000000000201000000020301ffffffff040100000005"
	mh3spNtcLayerUserNum          = "04070106000e00000003000000010001000200030203000000020303000000030403af00fa000503000000040603bf00fb00070300000001"
	mh3spLayerData17              = "10010300000003050200031103000001f41201010305000543697479330603000000020703000000020903000000040b03000000010c030000000c10010315010316050013533109436974792047617465320943697479330206000e0000000300000001000100020003170600027879ffffff"
	mh3spNtcLayerHost             = "0008000000000000000000064142434445460005416c696365"
	mh3spNtcLayerIn               = "0006414243444546030105000641424344454602050005416c696365070600020005"
	mh3spAnsLayerUserList         = "00000001030105000641424344454602050005416c696365070600020005"
	mh3spAnsLayerUserListData     = "0000000100000001030105000641424344454602050005416c6963650306000e000000030000000100010002000302010107000000020100050000"
	mh3spCircleInfo               = "0b01030000000103010104050002707705060088414243444546000000000000000000004748494a4b4c000000000000000000000000000000000000000000000000000000000000000000000000000000000000416c6963650000000000000000000000426f6200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007000000ffff00000605000268690703000000020903000000040c03000000010d0500064142434445460e01010f010002010100000004020100002775"
	mh3spEmptyCircleInfo          = "0101030000000202010100000004020100000000"
	mh3spAnsCircleListLayer       = "00000000000000010b01030000000103010104050002707705060088414243444546000000000000000000004748494a4b4c000000000000000000000000000000000000000000000000000000000000000000000000000000000000416c6963650000000000000000000000426f6200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007000000ffff00000605000268690703000000020903000000040c03000000010d0500064142434445460e01010f010002010100000004020100002775"
	mh3spNtcCircleListLayerChange = "000000010b01030000000103010104050002707705060088414243444546000000000000000000004748494a4b4c000000000000000000000000000000000000000000000000000000000000000000000000000000000000416c6963650000000000000000000000426f6200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007000000ffff00000605000268690703000000020903000000040c03000000010d0500064142434445460e01010f010002010100000004020100002775"
	mh3spNtcCircleMatchStart      = "001200000001010006414243444546000101001500000001"
	mh3spAnsUserSearchInfo        = "0c0105000641424344454602050005416c6963650306000200050406000e00000003000000010001000200030701010805000853310947320943330b01010c050004537472430d03000000040e03000000030f031122334410035566778800"
	mh3spOfflineAlert             = "00000001001702010500065a5a5a5a5a5a020500074f46464c494e4500"
	mh3spAnsFriendList            = "0000000000000002030103000000010205000641424344454603050005416c69636503010300000002020500064748494a4b4c03050003426f62"
	mh3spAnsBlackList             = "0000000000000001030103000000000205000003050000"
	mh3spAnsLayerMediationList    = "0002030105000454657374020101030100030105000454657374020102030100"
	mh3spNtcLayerChat             = "00030103ffffffff0305000641424344454604050005416c696365000568656c6c6f"
	mh3spNtcTell                  = "00064748494a4b4c030203000000140305000641424344454604050005416c696365000470737374"
	mh3spNtcLayerBinary           = "0006414243444546030103123456780205000641424344454603050005416c696365dead"
	mh3spNtcLayerBinary2          = "0006414243444546020205000641424344454603050005416c696365beef"
	mh3spNtcCircleBinary          = "000000010006414243444546030103123456780205000641424344454603050005416c69636501"
	mh3spAnsCircleUserList        = "00000002040301010401010505000641424344454606050005416c69636504030100040102050500064748494a4b4c06050003426f62"
	mh3spAnsLayerDetailSearchData = "00000000000000010e010300000000050200001103000001f41201010305000543697479330603000000020703000000020903000000040b03000000010c030000000c10010315010316050013533109436974792047617465320943697479330206000e0000000300000001000100020003040101000000000201000000020301ffffffff04010000000500000001020105000641424344454602050005416c69636502010107000000020100050000"
	mh3spUserOpt                  = "02010107000000020100050000"
	mh3spdopt                     = "000000000000000201010500000003020005"
)

// The test city MH3SP packed above: City3 of "City Gate2" on server "S1",
// two players of four (Alice, the leader, in town; Bob on a quest).
var (
	testPath    = LayerPath{Server: 1, Gate: 2, City: 3}
	testCityOpt = Opt{{ID: OptCityUnknown01, Has: true, Value: 0}, {ID: OptCityHRLimit, Has: true, Value: 2},
		{ID: OptCityGoal, Has: true, Value: OptNotApplicable}, {ID: OptCitySeeking, Has: true, Value: 5}}
	aliceStats = []byte{0x00, 0x05, 0x00, 0x00, 0x00, 0x07} // rank 5, weapon type 7
)

func testCity(index uint32, host *LayerPath) Data {
	return NewLayerData(LayerInfo{Index: index, Depth: LayerDepthCity, Name: []byte("City3"), Population: 2,
		Capacity: 4, State: LayerStateJoinable, InQuest: 1, Pathname: []byte("S1\tCity Gate2\tCity3"), Host: host})
}

func str(s string) []byte { return []byte(s) }

func data(f func(d *Data)) Data {
	var d Data
	f(&d)
	return d
}

// alice as LayerUserInfo {id, name, stats} (MH3SP's NtcLayerIn shape).
var aliceUser = data(func(d *Data) {
	d.SetString(LayerUserCapcomID, str("ABCDEF")).SetString(LayerUserHunterName, str("Alice")).
		SetBinary(LayerUserStats, []byte{0, 5})
})

// alice as LayerUserInfo {id, name, host} (list and search shape).
var aliceListed = data(func(d *Data) {
	d.SetString(LayerUserCapcomID, str("ABCDEF")).SetString(LayerUserHunterName, str("Alice")).
		SetBinary(LayerUserHost, testPath.Bytes())
})

var aliceOpt = UserOpt(aliceStats, false)

func testCircle() CircleListing {
	return CircleListing{Index: 1, HasPassword: true, Password: str("pw"), HasRemarks: true, Remarks: str("hi"),
		Members: [PartySlots]*PartyMember{
			{CapcomID: str("ABCDEF"), HunterName: str("Alice"), WeaponType: 7},
			{CapcomID: str("GHIJKL"), HunterName: str("Bob")},
		},
		Players: 2, Capacity: 4, Leader: str("ABCDEF"), Unknown0E: 1, QuestID: 10101}
}

var (
	binaryInfo = data(func(d *Data) {
		d.SetLong(LayerBinaryUnknown01, LayerBinaryUnknown01Value).SetString(LayerBinaryCapcomID, str("ABCDEF")).
			SetString(LayerBinaryHunterName, str("Alice"))
	})
	binaryInfo2 = data(func(d *Data) {
		d.SetString(LayerBinaryCapcomID, str("ABCDEF")).SetString(LayerBinaryHunterName, str("Alice"))
	})
	tellInfo = data(func(d *Data) {
		d.SetLong(MessageUnknown02, TellUnknown02).SetString(MessageSenderID, str("ABCDEF")).
			SetString(MessageSenderName, str("Alice"))
	})
	chatInfo = data(func(d *Data) {
		d.SetLong(MessageColor, ChatColorLayer).SetString(MessageSenderID, str("ABCDEF")).
			SetString(MessageSenderName, str("Alice"))
	})
	circleOpt   = Opt{{ID: OptCircleCapacity, Has: true, Value: 4}, {ID: OptCircleQuestID, Has: true, Value: 10101}}
	standbyData = data(func(d *Data) {
		d.SetByte(CircleUserStandby, 1).SetByte(CircleUserSlot, 1).SetString(CircleUserCapcomID, str("ABCDEF")).
			SetString(CircleUserHunterName, str("Alice"))
	})
	mediationItem1 = data(func(d *Data) {
		d.SetString(MediationName, str("Test")).SetByte(MediationIndex, 1).SetByte(MediationLocked, 0)
	})
	mediationItem2 = data(func(d *Data) {
		d.SetString(MediationName, str("Test")).SetByte(MediationIndex, 2).SetByte(MediationLocked, 0)
	})
	friend = func(i uint32, id, name string) Data {
		return data(func(d *Data) {
			d.SetLong(FriendIndex, i).SetString(FriendCapcomID, str(id)).SetString(FriendHunterName, str(name))
		})
	}
	searchInfo = data(func(d *Data) {
		d.SetString(SearchCapcomID, str("ABCDEF")).SetString(SearchHunterName, str("Alice")).
			SetBinary(SearchStats, []byte{0, 5}).SetBinary(SearchHost, testPath.Bytes())
	})
	layerHostReq = "000e 0000000300000001000100020003"
)

// fmpServerVectors: what the server sends, encoded exactly as MH3SP would.
var fmpServerVectors = []struct {
	m   Message
	hex string
}{
	// Layers.
	{&AnsLayerStart{Layer: DummyLayerData()}, mh3spDummy},
	{&AnsLayerEnd{}, ""},
	{&NtcLayerUserNum{Update: UserNumUpdateChild, Num: UserNumFromLayerData(testCity(3, &testPath))}, mh3spNtcLayerUserNum},
	{&AnsLayerDown{Number: 2}, "0002"},
	{&NtcLayerIn{CapcomID: str("ABCDEF"), User: aliceUser}, mh3spNtcLayerIn},
	{&AnsLayerUp{}, ""},
	{&NtcLayerOut{CapcomID: str("ABCDEF")}, "0006 414243444546"},
	{&NtcLayerInfoSet{Path: testPath, Layer: DataOpt{Data: testCity(3, &testPath), Opt: testCityOpt}}, mh3spNtcLayerInfoSet},
	{&AnsLayerChildInfo{Index: 1, Layer: DummyLayerData(), Tail: ChildInfoTail}, mh3spAnsLayerChildInfo},
	{&AnsLayerChildListHead{Count: 40}, "00000000 00000028"},
	{&AnsLayerChildListData{First: 3, Count: 1, Layers: []DataOpt{{Data: testCity(3, &testPath), Opt: testCityOpt}}},
		mh3spAnsLayerChildListData},
	{&AnsLayerChildListFoot{}, ""},
	{&AnsLayerSiblingListHead{Count: 2}, "00000000 00000002"},
	{&AnsLayerSiblingListData{First: 2, Count: 1, Layers: []DataOpt{{Data: NewLayerData(LayerInfo{Index: 2,
		Depth: LayerDepthGate, Name: str("City Gate2"), Population: 2, Capacity: 100, State: LayerStateJoinable})}}},
		"00000002 00000001" + mh3spGateLayerData + "00"},
	{&AnsLayerSiblingListFoot{}, ""},
	{&AnsLayerHost{Echo: mustHex(layerHostReq), CapcomID: str("ABCDEF"), HunterName: str("Alice")},
		layerHostReq + "0006 414243444546 0005 416c696365"},
	{&NtcLayerHost{CapcomID: str("ABCDEF"), HunterName: str("Alice")}, mh3spNtcLayerHost},
	{&NtcLayerUserInfoSet{CapcomID: str("ABCDEF"), User: aliceUser}, mh3spNtcLayerIn},
	{&AnsLayerUserList{Users: []Data{aliceUser}}, mh3spAnsLayerUserList},
	{&AnsLayerUserListHead{First: 1, Count: 2}, "00000001 00000002"},
	{&AnsLayerUserListData{Unknown: 1, Users: []DataOpt{{Data: aliceListed, Opt: aliceOpt}}}, mh3spAnsLayerUserListData},
	{&AnsLayerUserListFoot{}, ""},
	{&AnsLayerCreateHead{Number: 3}, "0003"},
	{&AnsLayerCreateSet{Number: 3}, "0003"},
	{&AnsLayerCreateFoot{Number: 3}, "0003"},
	{&AnsAlert{Answer: IDAnsLayerCreateHead, Message: str("x")}, "00000001 0001 78"},

	// Searches.
	{&AnsLayerUserSearchHead{Count: 1}, "00000000 00000001"},
	{&AnsLayerUserSearchData{Users: []DataOpt{{Data: aliceListed, Opt: aliceOpt}}},
		"00000000" + mh3spAnsLayerUserListData[8:]},
	{&AnsLayerUserSearchFoot{}, ""},
	{&AnsLayerDetailSearchHead{Count: 1}, "00000000 00000001 00000000"},
	{&AnsLayerDetailSearchData{Cities: []CityMatch{{
		Layer: DataOpt{Data: testCity(0, &testPath), Opt: testCityOpt},
		Users: []DataOpt{{Data: data(func(d *Data) {
			d.SetString(LayerUserCapcomID, str("ABCDEF")).SetString(LayerUserHunterName, str("Alice"))
		}), Opt: aliceOpt}},
	}}}, mh3spAnsLayerDetailSearchData},
	{&AnsLayerDetailSearchFoot{}, ""},
	{&AnsUserSearchSet{}, ""},
	{&AnsUserSearchHead{Count: 1}, "00000000 00000001"},
	{&AnsUserSearchData{Users: []DataOpt{{Data: searchInfo, Opt: aliceOpt}}},
		"00000000 00000001 04 0105 0006 414243444546 0205 0005 416c696365 0306 0002 0005 0406 000e" +
			mh3spLayerPath + mh3spUserOpt},
	{&AnsUserSearchFoot{}, ""},
	{&AnsUserSearchInfo{Info: DataOpt{Data: data(func(d *Data) {
		d.SetString(SearchCapcomID, str("ABCDEF")).SetString(SearchHunterName, str("Alice")).
			SetBinary(SearchStats, []byte{0, 5}).SetBinary(SearchHost, testPath.Bytes()).
			SetByte(SearchUnknown07, 1).SetString(SearchLocation, str("S1\tG2\tC3")).SetByte(SearchUnknown0B, 1).
			SetString(SearchUnknown0C, str("StrC")).SetLong(SearchCityCapacity, 4).SetLong(SearchCitySize, 3).
			SetLong(SearchMine0F, 0x11223344).SetLong(SearchMine10, 0x55667788)
	})}}, mh3spAnsUserSearchInfo},
	{UserSearchInfoOffline(str("ZZZZZZ")), mh3spOfflineAlert},
	{&AnsUserSearchInfoMine{Info: data(func(d *Data) {
		d.SetLong(SearchMine0F, 0x11223344).SetLong(SearchMine10, 0x55667788)
	})}, "02 0f03 11223344 1003 55667788"},

	// Relays and the display binary.
	{&NtcLayerBinary{SenderID: str("ABCDEF"), Info: binaryInfo, Payload: []byte{0xDE, 0xAD}}, mh3spNtcLayerBinary},
	{&NtcLayerUserPosition{SenderID: str("ABCDEF"), Payload: []byte{1, 2}}, "0006 414243444546 0102"},
	{&NtcLayerBinary2{SenderID: str("ABCDEF"), Info: binaryInfo2, Payload: []byte{0xBE, 0xEF}}, mh3spNtcLayerBinary2},
	{&AnsUserBinarySet{}, ""},
	{&AnsUserBinaryNotice{}, ""},
	{&NtcUserBinaryNotice{Unknown: 1, CapcomID: str("ABCDEF"), Offset: HunterProfileOffset, Data: str("Hi\x00")},
		"01 0006 414243444546 0000009c 0003 486900"},
	{&AnsUserStatusSet{}, ""},

	// Mediation.
	{&AnsLayerMediationList{Items: []Data{mediationItem1, mediationItem2}}, mh3spAnsLayerMediationList},
	{&AnsLayerMediationLock{Result: 1}, "01"},
	{&NtcLayerMediationLock{CapcomID: str("ABCDEF"), Index: 1, Item: mediationItem1},
		"0006 414243444546 01 03 0105 0004 54657374 0201 01 0301 00"},
	{&AnsLayerMediationUnlock{Result: 1}, "01"},
	{&NtcLayerMediationUnlock{CapcomID: str("ABCDEF"), Index: 1, Item: mediationItem1},
		"0006 414243444546 01 03 0105 0004 54657374 0201 01 0301 00"},

	// Chat and tells.
	{&NtcLayerChat{Info: chatInfo, Text: str("hello")}, mh3spNtcLayerChat},
	{&AnsLayerTell{}, ""},
	{&NtcLayerTell{CapcomID: str("GHIJKL"), Info: tellInfo, Text: str("psst")}, mh3spNtcTell},
	{&NtcCircleChat{Info: chatInfo, Text: str("go")}, mh3spNtcLayerChat[2:len(mh3spNtcLayerChat)-14] + "0002 676f"},
	{&AnsTell{}, ""},
	{&NtcTell{CapcomID: str("GHIJKL"), Info: tellInfo, Text: str("psst")}, mh3spNtcTell},

	// Circles.
	{&AnsCircleCreate{Index: 1}, "00000001"},
	{&AnsCircleInfo{Index: 1, Info: testCircle().Entry()}, "00000001" + mh3spCircleInfo},
	{&AnsCircleJoin{Index: 1, Slot: 2}, "00000001 02"},
	{&NtcCircleJoin{Index: 1, CapcomID: str("GHIJKL"), HunterName: str("Bob"), Slot: 2},
		"00000001 0006 4748494a4b4c 0003 426f62 02 00"},
	{&AnsCircleLeave{Index: 1}, "00000001"},
	{&NtcCircleLeave{Index: 1, CapcomID: str("GHIJKL"), Slot: 2}, "00000001 0006 4748494a4b4c 02 00"},
	{&NtcCircleBreak{}, "00000000"},
	{&AnsCircleMatchOptionSet{}, ""},
	{&NtcCircleMatchOptionSet{Options: standbyData},
		"04 0301 01 0401 01 0505 0006 414243444546 0605 0005 416c696365"},
	{&AnsCircleMatchStart{}, ""},
	{&NtcCircleMatchStart{Members: []MatchMember{{Slot: 1, CapcomID: str("ABCDEF"), Flag: []byte{1},
		Unknown: MatchStartUnknown}}, Trailer: 1}, mh3spNtcCircleMatchStart},
	{&AnsCircleMatchEnd{}, ""},
	{&AnsCircleInfoSet{Index: 1}, "00000001"},
	{&NtcCircleInfoSet{Index: 1, Info: DataOpt{Data: data(func(d *Data) { d.SetString(CircleRemarks, str("yo")) }),
		Opt: circleOpt}}, "00000001 01 0605 0002 796f 02 0101 00000004 0201 00002775"},
	{&AnsCircleListLayer{Circles: []DataOpt{testCircle().Entry()}}, mh3spAnsCircleListLayer},
	{&NtcCircleKick{}, "00 0000"},
	{&NtcCircleHostHandover{Slot: 2, CapcomID: str("GHIJKL"), HunterName: str("Bob"), Unknown2: []byte{}},
		"00000000 02 0006 4748494a4b4c 0003 426f62 0000"},
	{&AnsCircleHost{Index: 1, Slot: 1, CapcomID: str("ABCDEF"), HunterName: str("Alice")},
		"00000001 01 0006 414243444546 0005 416c696365"},
	{&NtcCircleHost{Slot: 2, CapcomID: str("GHIJKL"), HunterName: str("Bob")},
		"00000000 02 0006 4748494a4b4c 0003 426f62"},
	{&AnsCircleUserList{Users: []Data{standbyData, data(func(d *Data) {
		d.SetByte(CircleUserStandby, 0).SetByte(CircleUserSlot, 2).SetString(CircleUserCapcomID, str("GHIJKL")).
			SetString(CircleUserHunterName, str("Bob"))
	})}}, mh3spAnsCircleUserList},
	{&NtcCircleBinary{Index: 1, CapcomID: str("ABCDEF"), Info: binaryInfo, Payload: []byte{1}}, mh3spNtcCircleBinary},
	{&NtcCircleBinary2{Index: 1, CapcomID: str("ABCDEF"), Info: binaryInfo2, Payload: []byte{2}},
		"00000001" + mh3spNtcLayerBinary2[:len(mh3spNtcLayerBinary2)-4] + "02"},
	{&AnsCircleInfoNoticeSet{}, ""},
	{&NtcCircleListLayerCreate{Index: 1, Info: testCircle().Entry()}, mh3spNtcCircleListLayerChange},
	{&NtcCircleListLayerChange{Index: 1, Info: testCircle().Entry()}, mh3spNtcCircleListLayerChange},
	{&NtcCircleListLayerChange{Index: 2, Info: CircleListing{Index: 2, Empty: true, Capacity: 4}.Entry()},
		"00000002" + mh3spEmptyCircleInfo},
	{&NtcCircleListLayerDelete{Index: 2}, "00000002"},
	{&NtcMcsStart{Address: str("1.2.3.4"), Port: 8202, Name: str("x")}, "0007 312e322e332e34 200a 0001 78"},

	// Friends and blacklist.
	{&AnsFriendAdd{}, ""},
	{&NtcFriendAccept{CapcomID: str("GHIJKL"), Info: tellInfo, Text: str("psst")}, mh3spNtcTell},
	{&AnsFriendAccept{}, ""},
	{&NtcFriendAdd{CapcomID: str("GHIJKL"), Friend: friend(1, "ABCDEF", "Alice"), Accepted: 1},
		"0006 4748494a4b4c 03 0103 00000001 0205 0006 414243444546 0305 0005 416c696365 01"},
	{&AnsFriendDelete{}, ""},
	{&AnsFriendList{Friends: []Data{friend(1, "ABCDEF", "Alice"), friend(2, "GHIJKL", "Bob")}}, mh3spAnsFriendList},
	{&AnsBlackAdd{}, ""},
	{&AnsBlackDelete{}, ""},
	{&AnsBlackList{Friends: []Data{friend(0, "", "")}}, mh3spAnsBlackList},
}

// fmpClientVectors: what the game sends, laid out as MH3SP parses it,
// with the values the decoder must find.
var fmpClientVectors = []struct {
	m   Message
	hex string
}{
	// Layers.
	{&ReqLayerStart{Fields: []byte{1, 2, 3}, Fields2: []byte{1}}, "03 010203 01 01"},
	{&ReqLayerEnd{}, ""},
	{&ReqLayerDown{Number: 2, Rest: []byte{0}}, "0002 00"},
	{&ReqLayerUp{}, ""},
	{&ReqLayerChildInfo{Index: 3, Rest: mustHex("02 0102 00")}, "0003 02 0102 00"},
	{&ReqLayerChildListHead{Unknown1: 1, Rest: mustHex("0e 0102030506070809 0a0b0c0d1011")},
		"00000001 00000000 0e 0102030506070809 0a0b0c0d1011"},
	{&ReqLayerChildListData{First: 1, Count: 40}, "00000001 00000028"},
	{&ReqLayerChildListFoot{}, ""},
	{&ReqLayerSiblingListHead{Unknown1: 1, Rest: mustHex("02 0102")}, "00000001 00000000 02 0102"},
	{&ReqLayerSiblingListData{First: 1, Count: 40}, "00000001 00000028"},
	{&ReqLayerSiblingListFoot{}, ""},
	{&ReqLayerHost{opaque{mustHex(layerHostReq)}}, layerHostReq},
	{&ReqLayerUserList{Fields: []byte{1, 2, 7}}, "03 010207"},
	{&ReqLayerUserListHead{Unknown: 1, Layer: testPath.Bytes(), First: 1, Count: 4, Fields: []byte{1, 2, 3}},
		"01 000e" + mh3spLayerPath + "00000001 00000004 03 010203"},
	{&ReqLayerUserListData{First: 1, Count: 4}, "00000001 00000004"},
	{&ReqLayerUserListFoot{}, ""},
	{&ReqLayerCreateHead{Number: 3}, "0003"},
	{&ReqLayerCreateSet{Number: 3, Settings: data(func(d *Data) {
		d.SetLong(LayerSetUnknown01, 1).SetString(LayerSetUnknown03, str("City"))
	}), Opt: testCityOpt}, "0003 02 0103 00000001 0305 0004 43697479 04 0101 00000000 0201 00000002 0301 ffffffff 0401 00000005"},
	{&ReqLayerCreateFoot{Number: 3, Flag: 1}, "0003 01"},

	// Mediation.
	{&ReqLayerMediationList{Unknown2: 14, Rest: mustHex("03 010203")}, "00 0e 03 010203"},
	{&ReqLayerMediationLock{Index: 1, Item: data(func(d *Data) { d.SetByte(MediationIndex, 1) })}, "01 01 0201 01"},
	{&ReqLayerMediationUnlock{Index: 1, Item: data(func(d *Data) { d.SetByte(MediationIndex, 1) })}, "01 01 0201 01"},

	// Chat and tells.
	{&NtcLayerChat{Info: data(func(d *Data) { d.SetLong(MessageColor, ChatColorLayer) }), Text: str("hello")},
		"00 01 0103 ffffffff 0005 68656c6c6f"},
	{&ReqLayerTell{CapcomID: str("GHIJKL"), Info: data(func(d *Data) { d.SetLong(MessageColor, ChatColorLayer) }),
		Text: str("psst")}, "0006 4748494a4b4c 01 0103 ffffffff 0004 70737374"},
	{&NtcCircleChat{Info: data(func(d *Data) { d.SetLong(MessageColor, ChatColorLayer) }), Text: str("go")},
		"01 0103 ffffffff 0002 676f"},
	{&ReqTell{CapcomID: str("GHIJKL"), Info: Data{}, Text: str("psst")}, "0006 4748494a4b4c 00 0004 70737374"},

	// Relays and the display binary.
	{&NtcLayerBinaryFromClient{Sender: Data{}, Payload: []byte{0xDE, 0xAD}}, "00 dead"},
	{&NtcLayerUserPositionFromClient{Payload: []byte{1, 2, 3, 4, 5}}, "0102030405"},
	{&NtcLayerBinary2FromClient{PartnerID: str("GHIJKL"), Info: Data{}, Payload: []byte{0xBE, 0xEF}},
		"0006 4748494a4b4c 00 beef"},
	{&ReqUserBinarySet{Offset: HunterProfileOffset, Data: str("Hi\x00")}, "0000009c 0003 486900"},
	{&ReqUserBinaryNotice{Unknown: 1, CapcomID: str("ABCDEF"), Length: HunterSettingsSize},
		"01 0006 414243444546 00000000 00000100"},
	{&ReqUserStatusSet{Status: data(func(d *Data) { d.SetByte(StatusFriendRequests, StatusDenyFriendRequests) })},
		"01 0901 04"},
	{&NtcCheatCheck{opaque{mustHex("0002 6162 02 0101 01 0201 00")}}, "0002 6162 02 0101 01 0201 00"},

	// Searches.
	{&ReqLayerUserSearchHead{Layer: LayerPath{Server: 1, Gate: 2}.Bytes(), CapcomID: str("ABC"), HunterName: []byte{},
		Limit: 100, Fields: []byte{1, 2, 3}},
		"00 000e 0000000200000001000100020000 0003 414243 0000 00000000 00000000 00000000 00000064 03 010203"},
	{&ReqLayerUserSearchData{Count: 100}, "00000000 00000064"},
	{&ReqLayerUserSearchFoot{}, ""},
	{&ReqLayerDetailSearchHead{Layer: 1, Search: DOpt{Fields: []DOptField{
		{ID: OptCityHRLimit, Has: true, Kind: 5, Value: 1}, {ID: OptCityGoal, Kind: 5}}},
		Limit: 10, LayerFields: []byte{1, 3}, UserFields: []byte{1, 2}},
		"01 00000000 00000002 020105 00000001 030005 00000000 0000000a 02 0103 02 0102"},
	{&ReqLayerDetailSearchData{Count: 10}, "00000000 0000000a"},
	{&ReqLayerDetailSearchFoot{}, ""},
	{&ReqUserSearchSet{Opt: aliceOpt}, mh3spUserOpt},
	{&ReqUserSearchHead{CapcomID: []byte{}, HunterName: str("ali"), Limit: 30, Fields: []byte{1, 2, 3, 4}},
		"0000 0003 616c69 00000000 00000000 00000000 0000001e 04 01020304"},
	{&ReqUserSearchData{Count: 30}, "00000000 0000001e"},
	{&ReqUserSearchFoot{}, ""},
	{&ReqUserSearchInfo{CapcomID: str("ABCDEF"), Info: Data{}}, "0006 414243444546 00"},
	{&ReqUserSearchInfoMine{Info: Data{}}, "00"},

	// Circles.
	{&ReqCircleCreate{Info: DataOpt{Data: data(func(d *Data) {
		d.SetLong(CircleCapacity, 4).SetString(CircleRemarks, str("hi")).SetByte(CircleUnknown0E, 1)
	}), Opt: circleOpt}}, "03 0903 00000004 0605 0002 6869 0e01 01 02 0101 00000004 0201 00002775"},
	{&ReqCircleInfo{Index: 1, Rest: mustHex("0c 0102030405060708090a0b0c 00")},
		"00000001 0c 0102030405060708090a0b0c 00"},
	{&ReqCircleJoin{Index: 1, Info: data(func(d *Data) {
		d.SetLong(CircleUnknown0B, 0).SetByte(CircleHasPassword, 1).SetString(CirclePassword, str("pw"))
	})}, "00000001 03 0b03 00000000 0301 01 0405 0002 7077"},
	{&ReqCircleLeave{Index: 1}, "00000001"},
	{&ReqCircleMatchOptionSet{Options: data(func(d *Data) { d.SetByte(CircleUserStandby, 1) })}, "01 0301 01"},
	{&ReqCircleMatchStart{}, ""},
	{&ReqCircleMatchEnd{Flag: 1}, "01"},
	{&ReqCircleInfoSet{Index: 1, Info: DataOpt{Data: data(func(d *Data) { d.SetString(CircleRemarks, str("yo")) }),
		Opt: circleOpt}}, "00000001 01 0605 0002 796f 02 0101 00000004 0201 00002775"},
	{&ReqCircleListLayer{opaque{mustHex("02 0105 00")}}, "02 0105 00"},
	{&ReqCircleHost{Index: 1}, "00000001"},
	{&ReqCircleUserList{}, ""},
	{&ReqCircleInfoNoticeSet{Fields: []byte{1, 2}, Fields2: []byte{}}, "02 0102 00"},
	{&NtcCircleBinaryFromClient{Index: 1, Sender: Data{}, Payload: []byte{1}}, "00000001 00 01"},
	{&NtcCircleBinary2FromClient{Index: 1, CapcomID: str("GHIJKL"), Info: Data{}, Payload: []byte{2}},
		"00000001 0006 4748494a4b4c 00 02"},

	// Friends and blacklist.
	{&ReqFriendAdd{CapcomID: str("GHIJKL"), Info: Data{}, Text: str("hi")}, "0006 4748494a4b4c 00 0002 6869"},
	{&ReqFriendAccept{RequesterID: str("ABCDEF"), Accepted: 1}, "0006 414243444546 01"},
	{&ReqFriendDelete{CapcomID: str("ABCDEF")}, "0006 414243444546"},
	{&ReqFriendList{First: 1, Count: 100, Fields: []byte{1, 2, 3}}, "00000001 00000064 03 010203"},
	{&ReqBlackAdd{CapcomID: str("ABCDEF"), User: data(func(d *Data) { d.SetString(FriendCapcomID, str("ABCDEF")) })},
		"0006 414243444546 01 0205 0006 414243444546"},
	{&ReqBlackDelete{CapcomID: str("ABCDEF")}, "0006 414243444546"},
	{&ReqBlackList{Count: 100, Rest: mustHex("03 010203")}, "00000000 00000064 03 010203"},
}

// newLike returns a fresh message of m's type, ready to decode into.
func newLike(m Message) Message {
	if a, ok := m.(*AnsAlert); ok {
		return &AnsAlert{Answer: a.Answer}
	}
	return reflect.New(reflect.TypeOf(m).Elem()).Interface().(Message)
}

// sameValue is reflect.DeepEqual with nil and empty slices equal.
func sameValue(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	default:
		return a.Equal(b)
	}
}

func TestFMPServerVectors(t *testing.T) {
	for _, v := range fmpServerVectors {
		want := mustHex(v.hex)
		got, err := Marshal(v.m)
		if err != nil {
			t.Errorf("%s: %v", v.m.PacketID(), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s (%T) encodes to\n%x\nwant\n%x", v.m.PacketID(), v.m, got, want)
			continue
		}
		back := newLike(v.m)
		if err := Unmarshal(want, back); err != nil {
			t.Errorf("%T: %v", v.m, err)
			continue
		}
		if again, _ := Marshal(back); !bytes.Equal(again, want) {
			t.Errorf("%T round trip %x, want %x", v.m, again, want)
		}
	}
}

func TestFMPClientVectors(t *testing.T) {
	for _, v := range fmpClientVectors {
		b := mustHex(v.hex)
		got := newLike(v.m)
		if err := Unmarshal(b, got); err != nil {
			t.Errorf("%s: %v", v.m.PacketID(), err)
			continue
		}
		if !sameValue(reflect.ValueOf(got), reflect.ValueOf(v.m)) {
			t.Errorf("%s decodes to %+v, want %+v", v.m.PacketID(), got, v.m)
		}
		if enc, err := Marshal(v.m); err != nil || !bytes.Equal(enc, b) {
			t.Errorf("%T encodes to %x (%v), want %x", v.m, enc, err, b)
		}
		if limit, ok := fmpRequestLimits[v.m.PacketID()]; !ok || len(b) > limit {
			t.Errorf("%s: %d-byte vector, limit %d (registered %v)", v.m.PacketID(), len(b), limit, ok)
		}
		// Truncations must fail cleanly, never panic.
		for n := 0; n < len(b); n++ {
			_ = Unmarshal(b[:n], newLike(v.m))
		}
	}
}

// Client → server ids on FMP with no decoder: their layout is known to
// neither reference server and the game was never seen sending them.
var fmpNoDecoder = map[ID]string{
	IDReqLayerJump:            "never observed; layout unknown",
	IDReqLayerJumpReady:       "never observed; layout unknown",
	IDReqLayerJumpGo:          "never observed; layout unknown",
	IDReqLayerInfoSet:         "never observed; layout unknown (only the S→C NtcLayerInfoSet is known)",
	IDReqLayerInfo:            "never observed; layout unknown",
	IDReqLayerParentInfo:      "never observed; layout unknown",
	IDReqLayerUserInfoSet:     "never observed; layout unknown",
	IDNtc0x6474:               "unnamed, never observed, direction unknown",
	IDReqCircleBreak:          "never observed (MH3SP only sends NtcCircleBreak)",
	IDReqCircleMatchOptionGet: "never observed; layout unknown",
	IDReqCircleSearchHead:     "never observed; only known to carry a dopt",
	IDReqCircleSearchData:     "never observed; layout unknown",
	IDReqCircleSearchFoot:     "never observed; layout unknown",
	IDReqCircleKick:           "never observed; layout unknown",
	IDReqCircleDeleteKickList: "never observed; layout unknown",
	IDReqCircleHostHandover:   "never observed; layout unknown",
	IDReqCircleTell:           "never observed; layout unknown (answer and NtcCircleTell too)",
	IDReqMcsCreate:            "never observed; layout unknown",
	IDReqBinaryUser:           "never observed; layout unknown",
	IDReqUserStatus:           "never observed; layout unknown",
}

// fmpClientNtc are the notifications the game sends (relays), by the
// protocol facts' table; IDNtc0x6474's direction is unknown.
var fmpClientNtc = []ID{IDNtcLayerBinary, IDNtcLayerUserPosition, IDNtcLayerChat, IDNtcLayerBinary2,
	IDNtcCircleBinary, IDNtcCircleBinary2, IDNtcCircleChat, IDNtcCheatCheck, IDNtc0x6474}

func TestFMPClientIDsHaveDecoders(t *testing.T) {
	decoded := map[ID]bool{}
	for _, v := range fmpClientVectors {
		decoded[v.m.PacketID()] = true
	}
	want := map[ID]bool{}
	for id := range names {
		if c := byte(id >> 24); id.IsRequest() && c >= 0x64 && c <= 0x66 {
			want[id] = true
		}
	}
	for _, id := range fmpClientNtc {
		want[id] = true
	}
	for id := range want {
		_, excused := fmpNoDecoder[id]
		switch {
		case excused && decoded[id]:
			t.Errorf("%s is listed as having no decoder but has one", id)
		case !excused && !decoded[id]:
			t.Errorf("%s: client → server on FMP, no decoder vector", id)
		case !excused && !hasLimit(id):
			t.Errorf("%s: no entry in fmpRequestLimits", id)
		}
	}
	for id := range fmpRequestLimits {
		if !want[id] {
			t.Errorf("%s in fmpRequestLimits is not a client → server FMP id", id)
		}
	}
	for id := range fmpNoDecoder {
		if !want[id] {
			t.Errorf("%s excused but not a client → server FMP id", id)
		}
	}
	if n := len(want) - len(fmpNoDecoder); n != len(fmpRequestLimits) {
		t.Errorf("%d decodable client ids, %d limits", n, len(fmpRequestLimits))
	}
}

func hasLimit(id ID) bool { _, ok := fmpRequestLimits[id]; return ok }

func TestFMPLimitsFitTheEdge(t *testing.T) {
	for id, n := range fmpRequestLimits {
		if n < 0 || n > DefaultMaxPayload {
			t.Errorf("%s: limit %d outside 0..%d", id, n, DefaultMaxPayload)
		}
	}
}

func TestLayerPath(t *testing.T) {
	if got := testPath.Bytes(); !bytes.Equal(got, mustHex(mh3spLayerPath)) {
		t.Errorf("city path %x", got)
	}
	for _, c := range []struct {
		p     LayerPath
		depth uint32
		hex   string
	}{
		{LayerPath{}, 0, "00000000 00000000"},
		{LayerPath{Server: 2}, 1, "00000001 00000002 0001 0000 0000"},
		{LayerPath{Server: 2, Gate: 5}, 2, "00000002 00000002 0001 0005 0000"},
		{LayerPath{Server: 2, Gate: 5, City: 40}, 3, "00000003 00000002 0001 0005 0028"},
	} {
		if c.p.Depth() != c.depth || !bytes.Equal(c.p.Bytes(), mustHex(c.hex)) {
			t.Errorf("%v: depth %d, bytes %x", c.p, c.p.Depth(), c.p.Bytes())
		}
		back, err := ParseLayerPath(mustHex(c.hex))
		if err != nil || back != c.p {
			t.Errorf("parse %s: %v %v", c.hex, back, err)
		}
	}
	// The shorter forms MHTriServer describes: u32, u32, then 1 to 3 u16s.
	if p, err := ParseLayerPath(mustHex("00000002 00000007 0001 0003")); err != nil || p != (LayerPath{Server: 7, Gate: 3}) {
		t.Errorf("12-byte path: %v %v", p, err)
	}
	for _, bad := range []string{"", "00000001", "00000001 00000001 00", "00000001 00000001 0001 0002 0003 0004"} {
		if _, err := ParseLayerPath(mustHex(bad)); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
	if p, err := (ReqLayerHost{opaque{mustHex(layerHostReq)}}).Path(); err != nil || p != testPath {
		t.Errorf("ReqLayerHost path %v %v", p, err)
	}
	if _, err := (ReqLayerHost{opaque{mustHex(layerHostReq + "00")}}).Path(); err == nil {
		t.Error("ReqLayerHost path with a trailing byte accepted")
	}
	if p, err := (ReqLayerUserListHead{Layer: testPath.Bytes()}).Path(); err != nil || p != testPath {
		t.Errorf("ReqLayerUserListHead path %v %v", p, err)
	}
}

func TestLayerDataBuilders(t *testing.T) {
	for _, c := range []struct {
		d   Data
		hex string
	}{
		{testCity(3, &testPath), mh3spCityLayerData},
		{NewLayerData(LayerInfo{Index: 2, Depth: LayerDepthGate, Name: str("City Gate2"), Population: 2, Capacity: 100,
			State: LayerStateJoinable}), mh3spGateLayerData},
		{NewLayerData(LayerInfo{Index: 1, Depth: LayerDepthServer, Name: str("S1"), Population: 2, Capacity: 100,
			State: LayerStateJoinable}), mh3spServerLayerData},
		{DummyLayerData(), mh3spDummy},
	} {
		if got := NewWriter(nil).LayerData(c.d).Bytes(); !bytes.Equal(got, mustHex(c.hex)) {
			t.Errorf("LayerData\n%x\nwant\n%x", got, mustHex(c.hex))
		}
	}
}

// Field 0x17 must be followed by FF FF FF, counted, wherever 0x17 is.
func TestLayerData17Filler(t *testing.T) {
	want := mustHex(mh3spLayerData17)
	d := testCity(3, &testPath)
	d.SetBinary(LayerUnknown17, str("xy"))
	if got := NewWriter(nil).LayerData(d).Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("with 0x17\n%x\nwant\n%x", got, want)
	}
	// A filler the caller put elsewhere is moved behind 0x17, not doubled.
	d2 := append(Data{{ID: LayerFiller, Type: TypeFiller, Num: 0xFF}}, d...)
	if got := NewWriter(nil).LayerData(d2).Bytes(); !bytes.Equal(got, want) {
		t.Errorf("with a stray filler\n%x", got)
	}
	// Without 0x17 no filler is written, and a stray one is dropped.
	plain := testCity(3, &testPath)
	stray := append(append(Data{}, plain...), Item{ID: LayerFiller, Type: TypeFiller, Num: 0xFF})
	if got := NewWriter(nil).LayerData(stray).Bytes(); !bytes.Equal(got, mustHex(mh3spCityLayerData)) {
		t.Errorf("stray filler kept: %x", got)
	}
	// Decoding drops the filler, so the handler never sees it.
	r := NewReader(want)
	back := r.LayerData()
	if r.Done() != nil || back.Has(LayerFiller) || !bytes.Equal(back.Bytes(LayerUnknown17), str("xy")) {
		t.Errorf("decoded %v (%v)", back, r.Done())
	}
	// Every message carrying a LayerData uses the rule.
	for _, m := range []Message{
		&AnsLayerStart{Layer: d},
		&AnsLayerChildInfo{Layer: d},
		&AnsLayerChildListData{Layers: []DataOpt{{Data: d}}},
		&AnsLayerSiblingListData{Layers: []DataOpt{{Data: d}}},
		&NtcLayerInfoSet{Path: testPath, Layer: DataOpt{Data: d}},
		&AnsLayerDetailSearchData{Cities: []CityMatch{{Layer: DataOpt{Data: d}}}},
	} {
		b, err := Marshal(m)
		if err != nil || !bytes.Contains(b, mustHex("170600027879 ffffff")) {
			t.Errorf("%T: %x (%v)", m, b, err)
		}
	}
}

func TestUserHelpers(t *testing.T) {
	if got := NewWriter(nil).Opt(UserOpt(aliceStats, false)).Bytes(); !bytes.Equal(got, mustHex(mh3spUserOpt)) {
		t.Errorf("UserOpt %x", got)
	}
	onQuest := UserOpt(aliceStats, true)
	if onQuest[0].Value != 0x07000001 || onQuest[1].Value != 0x00050000 {
		t.Errorf("on quest %+v", onQuest)
	}
	if HunterRank(nil) != 0 || HunterWeaponType([]byte{1}) != 0 {
		t.Error("short settings")
	}
	// MH3SP's sample hunter (getHunterStats): HR 921 at 0x00.
	stats := make([]byte, HunterSettingsSize)
	stats[0], stats[1] = 0x03, 0x99
	if HunterRank(stats) != 921 {
		t.Error("rank")
	}
}

func TestCircleListing(t *testing.T) {
	e := testCircle().Entry()
	if got := NewWriter(nil).DataOpt(e).Bytes(); !bytes.Equal(got, mustHex(mh3spCircleInfo)) {
		t.Errorf("circle\n%x\nwant\n%x", got, mustHex(mh3spCircleInfo))
	}
	party := e.Data.Bytes(CirclePartyMembers)
	if len(party) != PartyMembersSize || party[PartyFlagOffset] != PartyMemberFlag || party[PartyFlagOffset+2] != 0 {
		t.Errorf("party %x", party)
	}
	long := PartyMembersBinary([PartySlots]*PartyMember{3: {CapcomID: bytes.Repeat(str("x"), 40)}})
	if long[3*PartyTextSize+PartyTextSize-1] != 0 || long[3*PartyTextSize+PartyTextSize] != 0 {
		t.Errorf("long id not cut: %x", long[:0x40])
	}
}

func TestNtcCheatCheckParse(t *testing.T) {
	m := NtcCheatCheck{opaque{mustHex("0002 6162 02 0101 01 0201 00")}}
	f, d, err := m.Parse()
	if err != nil || string(f) != "ab" || d.Num(1) != 1 || !d.Has(2) {
		t.Errorf("parse %q %v %v", f, d, err)
	}
	if _, _, err := (NtcCheatCheck{opaque{[]byte{0, 5}}}).Parse(); err == nil {
		t.Error("short cheat check parsed")
	}
}

func TestFieldListHelpers(t *testing.T) {
	h := ReqLayerChildListHead{Rest: mustHex("03 010203")}
	if f, ok := h.Fields(); !ok || !bytes.Equal(f, []byte{1, 2, 3}) {
		t.Errorf("fields %v %v", f, ok)
	}
	for _, bad := range []string{"", "03 0102", "01 0102"} {
		if _, ok := (ReqLayerSiblingListHead{Rest: mustHex(bad)}).Fields(); ok {
			t.Errorf("%q read as a field list", bad)
		}
	}
	if f, ok := (ReqBlackList{Rest: mustHex("00")}).Fields(); !ok || len(f) != 0 {
		t.Error("empty list")
	}
}

// Announced counts are checked against what is left before allocating.
func TestFMPHostileCounts(t *testing.T) {
	for _, c := range []struct {
		m   Message
		hex string
	}{
		{&AnsLayerUserList{}, "ffffffff 00"},
		{&AnsCircleListLayer{}, "00000000 7fffffff 0000"},
		{&AnsLayerDetailSearchData{}, "00000000 ffffffff"},
		{&AnsLayerMediationList{}, "00 ff 00"},
		{&ReqUserSearchHead{}, "0000 0000 00000000 ffffffff"},
		{&NtcCircleMatchStart{}, "0004 ffffffff 00000001"},
		{&NtcCircleMatchStart{}, "0010 00000001"},
	} {
		err := Unmarshal(mustHex(c.hex), c.m)
		if !errors.Is(err, ErrShort) {
			t.Errorf("%T %s: %v", c.m, c.hex, err)
		}
	}
	// A block length covering less than the roster fails too.
	if err := Unmarshal(mustHex("0004 00000001 00000001"), &NtcCircleMatchStart{}); err == nil {
		t.Error("roster past its block accepted")
	}
}

// Extra bytes inside NtcCircleMatchStart's block survive a round trip.
func TestNtcCircleMatchStartExtra(t *testing.T) {
	in := mustHex("000a 00000000 01 00000002 0a 00000001")
	var m NtcCircleMatchStart
	if err := Unmarshal(in, &m); err != nil || len(m.Extra) != 6 || m.Trailer != 1 {
		t.Fatalf("%+v %v", m, err)
	}
	if out, _ := Marshal(&m); !bytes.Equal(out, in) {
		t.Errorf("round trip %x", out)
	}
}

func TestDOpt(t *testing.T) {
	o := DOpt{Fields: []DOptField{{ID: 1, Has: true, Kind: 5, Value: 3}, {ID: 2, Kind: 5}}}
	b := NewWriter(nil).DOpt(o).Bytes()
	if !bytes.Equal(b, mustHex("000000000000000201010500000003020005")) {
		t.Errorf("dopt %x", b)
	}
	r := NewReader(b)
	if back := r.DOpt(); r.Done() != nil || !reflect.DeepEqual(back, o) {
		t.Errorf("dopt back %+v %v", back, r.Done())
	}
}

// Every exported type of the FMP files says what the game uses it for.
func TestFMPMessagesAreDocumented(t *testing.T) {
	files, _ := filepath.Glob("fmp_*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range af.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				if ts.Name.IsExported() && ts.Doc == nil && g.Doc == nil {
					t.Errorf("%s: type %s has no doc comment", f, ts.Name.Name)
				}
			}
		}
	}
}

// FuzzFMPClient feeds arbitrary payloads to every client → server decoder:
// no panic, and whatever decodes re-encodes to a form that decodes to the
// same bytes again.
func FuzzFMPClient(f *testing.F) {
	for i, v := range fmpClientVectors {
		f.Add(uint8(i), mustHex(v.hex))
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		proto := fmpClientVectors[int(which)%len(fmpClientVectors)].m
		m := newLike(proto)
		if Unmarshal(b, m) != nil {
			return
		}
		once, err := Marshal(m)
		if err != nil {
			t.Fatalf("%T: re-encoding: %v", m, err)
		}
		m2 := newLike(proto)
		if err := Unmarshal(once, m2); err != nil {
			t.Fatalf("%T: %x decodes, its re-encoding %x does not: %v", m, b, once, err)
		}
		if twice, _ := Marshal(m2); !bytes.Equal(once, twice) {
			t.Fatalf("%T: unstable re-encoding %x → %x", m, once, twice)
		}
	})
}

// Requests MH3SP parses without checking for leftover bytes tolerate them
// here too; every other request decoder insists on the exact length (or
// keeps the rest raw).
var fmpLenient = map[ID]bool{
	IDReqLayerStart: true, IDReqLayerChildListData: true, IDReqLayerSiblingListData: true,
	IDReqLayerUserList: true, IDReqLayerMediationLock: true, IDReqLayerMediationUnlock: true,
	IDReqUserBinarySet: true, IDReqUserStatusSet: true, IDReqLayerDetailSearchData: true,
	IDReqUserSearchSet: true, IDReqUserSearchInfoMine: true, IDReqCircleCreate: true, IDReqCircleJoin: true,
	IDReqCircleMatchOptionSet: true, IDReqCircleMatchEnd: true, IDReqCircleInfoSet: true, IDReqCircleHost: true,
	IDReqCircleInfoNoticeSet: true, IDReqFriendDelete: true, IDReqBlackDelete: true,
}

func TestFMPTrailingBytes(t *testing.T) {
	for _, v := range fmpClientVectors {
		b := append(mustHex(v.hex), 0xEE)
		m := newLike(v.m)
		err := Unmarshal(b, m)
		raw := false
		if enc, _ := Marshal(m); err == nil && bytes.Equal(enc, b) {
			raw = true // the trailing byte landed in a raw field
		}
		switch id := v.m.PacketID(); {
		case fmpLenient[id] && err != nil:
			t.Errorf("%s: trailing byte refused: %v", id, err)
		case fmpLenient[id] && raw:
			t.Errorf("%s: lenient but keeps the trailing byte", id)
		case !fmpLenient[id] && err == nil && !raw:
			t.Errorf("%s: trailing byte silently accepted", id)
		case !fmpLenient[id] && err != nil && !errors.Is(err, ErrTrailing):
			t.Errorf("%s: %v", id, err)
		}
	}
}

func TestDisplayBinaryHelpers(t *testing.T) {
	settings := make([]byte, HunterSettingsSize)
	if err := (ReqUserBinarySet{Offset: HunterProfileOffset, Data: str("Hi")}).Apply(settings); err != nil ||
		string(settings[HunterProfileOffset:HunterProfileOffset+2]) != "Hi" {
		t.Errorf("apply: %v", err)
	}
	for _, m := range []ReqUserBinarySet{{Offset: 0xFF, Data: str("ab")}, {Offset: 0xFFFFFFFF, Data: str("a")}} {
		if err := m.Apply(settings); err == nil {
			t.Errorf("write at %#x of %d accepted", m.Offset, len(m.Data))
		}
	}
	if got := (ReqUserBinaryNotice{Offset: HunterProfileOffset, Length: 2}).Slice(settings); string(got) != "Hi" {
		t.Errorf("slice %q", got)
	}
	if got := (ReqUserBinaryNotice{Offset: 0xF0, Length: 0xFFFFFFFF}).Slice(settings); len(got) != 0x10 {
		t.Errorf("clamped slice of %d", len(got))
	}
	if got := (ReqUserBinaryNotice{Offset: 0x1000, Length: 4}).Slice(settings); len(got) != 0 {
		t.Errorf("slice past the end %d", len(got))
	}
}
