package store_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"kaohe/store"
)

// An agency's 推荐表 is saved with the result of the mail it came in; the
// season's current proposals are what staff decide on. A person another
// agency proposes too is named in AlsoProposedBy, on both sides.
func ExampleStore_CurrentProposals() {
	dir, _ := os.MkdirTemp("", "kaohe-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(dir, store.Options{Season: 2021})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	propose := func(agency, sender string, uid uint32, persons ...store.PersonProposal) error {
		raw := []byte(fmt.Sprintf("Message-ID: <%d@agency.example>\r\nFrom: %s\r\n\r\n推荐表\r\n", uid, sender))
		hash, _ := s.Archive(raw)
		m, _, err := s.RecordMessage(ctx, store.Message{MessageID: fmt.Sprintf("<%d@agency.example>", uid), Hash: hash,
			Mailbox: "INBOX", UIDValidity: 1, UID: uid, Sender: sender, ReceivedAt: time.Now()})
		if err != nil {
			return err
		}
		// What the receipt will say of each person, checked again when saved.
		elsewhere, err := s.ProposedElsewhere(ctx, agency, persons)
		if err != nil {
			return err
		}
		for i := range persons {
			persons[i].AlsoProposedBy = elsewhere[i]
		}
		p := &store.Proposal{OnTime: true, Unit: store.UnitProposal{Name: agency, Proposed: true}, Persons: persons}
		return s.SaveResult(ctx, store.Result{MessageID: m.ID, Outcome: store.OutcomeProcessed, Agency: agency, OnTime: true,
			Attachments: []store.AttachmentResult{{Filename: "推荐表.xlsx", Kind: "xlsx", Proposal: p}}})
	}
	fmt.Println(propose("朝阳区代办处", "cy@agency.example", 1, store.PersonProposal{Name: "张伟", Birth: "1980-05"}))
	fmt.Println(propose("海淀区代办处", "hd@agency.example", 2, store.PersonProposal{Name: "张伟", Birth: "1980-05"},
		store.PersonProposal{Name: "刘丽", Birth: "1988-11"}))

	cur, _ := s.CurrentProposals(ctx)
	for _, p := range cur {
		for _, pp := range p.Persons {
			fmt.Println(p.Agency, p.Version, pp.Name, pp.AlsoProposedBy)
		}
	}
	// Output:
	// <nil>
	// <nil>
	// 朝阳区代办处 1 张伟 [海淀区代办处]
	// 海淀区代办处 1 张伟 [朝阳区代办处]
	// 海淀区代办处 1 刘丽 []
}
