package binaries

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// trading_post.json holds the fifteen trades of binary +3, in page order
// (five a page; page 3 shows only during the sandstorm). Each trade gives
// an item and quantity for two costs, as item ids and quantities; labels
// are for people only.
//
//go:embed trading_post.json
var tradingPostJSON []byte

const (
	tradeCount = 15
	tradeSize  = 8 * 2 // item, qty, cost 1, qty, cost 2, qty, 0, 0 (u16 each)
)

type trade struct {
	Label string       `json:"label"`
	Item  [2]uint16    `json:"item"`
	Cost  [2][2]uint16 `json:"cost"`
}

func loadTrades(data []byte) ([]trade, error) {
	var file struct {
		Trades []trade `json:"trades"`
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&file); err != nil {
		return nil, err
	}
	if len(file.Trades) != tradeCount {
		return nil, fmt.Errorf("%d trades, want %d", len(file.Trades), tradeCount)
	}
	return file.Trades, nil
}

var trades = func() []trade {
	t, err := loadTrades(tradingPostJSON)
	if err != nil {
		panic("binaries: trading_post.json: " + err.Error())
	}
	return t
}()

func tradingPost() []byte {
	b := make([]byte, 0, tradeCount*tradeSize)
	for _, t := range trades {
		for _, v := range [...]uint16{t.Item[0], t.Item[1], t.Cost[0][0], t.Cost[0][1], t.Cost[1][0], t.Cost[1][1], 0, 0} {
			b = binary.BigEndian.AppendUint16(b, v)
		}
	}
	return b
}
