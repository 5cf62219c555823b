package pat

import "encoding/binary"

// HunterSettings is the game's 0x100-byte "user display binary": rank,
// gear, profile and city preferences. The game uploads it piecewise with
// ReqUserBinarySet and reads it back as LayerUserInfo 0x07, UserSearchInfo
// 0x03 and NtcUserBinaryNotice slices. Offsets:
const (
	HunterSettingsSize = 0x100

	HunterRankOffset       = 0x00 // u16 hunter rank
	HunterWeaponTypeOffset = 0x05 // u8 weapon type
	HunterEquipmentOffset  = 0x10 // HunterEquipmentSlots × HunterEquipmentSlotSize
	HunterEquipmentSlots   = 9    // 3 weapon slots, then 6 armour/talisman slots
	// Each slot: u8 type, u8 decoration slots, u16 id, u32, u32
	// (an empty weapon slot is all 0xFF).
	HunterEquipmentSlotSize = 12
	HunterProfileOffset     = 0x9C // profile text, NUL-terminated
	HunterTitleOffset       = 0xF2 // u8
	HunterStatusOffset      = 0xF3 // u8
	HunterCityHRLimitOffset = 0xF5 // u8, city HR-limit choice
	HunterCityGoalOffset    = 0xF6 // u8, city goal choice
	HunterCitySeekingOffset = 0xF7 // u8, city seeking choice
	HunterServerTypeOffset  = 0xF8 // u8
)

// HunterRank reads the rank from a HunterSettings buffer (0 if too short).
func HunterRank(settings []byte) uint16 {
	if len(settings) < HunterRankOffset+2 {
		return 0
	}
	return binary.BigEndian.Uint16(settings[HunterRankOffset:])
}

// HunterWeaponType reads the weapon type from a HunterSettings buffer.
func HunterWeaponType(settings []byte) uint8 {
	if len(settings) <= HunterWeaponTypeOffset {
		return 0
	}
	return settings[HunterWeaponTypeOffset]
}

// UserOpt is the optional-field list MH3SP sends after every player's
// LayerUserInfo or UserSearchInfo: weapon type and location, and rank.
func UserOpt(settings []byte, onQuest bool) Opt {
	var location uint32
	if onQuest {
		location = 1
	}
	return Opt{
		{ID: OptUserWeaponLocation, Has: true, Value: uint32(HunterWeaponType(settings))<<24 | location},
		{ID: OptUserRank, Has: true, Value: uint32(HunterRank(settings)) << 16},
	}
}
