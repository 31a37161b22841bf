<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../app/ui/about.py" line="81"/>
        <source>Copied to the clipboard.</source>
        <translation>クリップボードにコピーしました。</translation>
    </message>
    <message>
        <location filename="../../app/ui/about.py" line="84"/>
        <source>About Madoguchi</source>
        <translation>窓口について</translation>
    </message>
    <message>
        <location filename="../../app/ui/about.py" line="85"/>
        <source>Read this out to the help desk, or press Copy and paste it into your message.</source>
        <translation>この内容をヘルプデスクに読み上げるか、「コピー」を押してメッセージに貼り付けてください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/about.py" line="87"/>
        <source>Copy</source>
        <translation>コピー</translation>
    </message>
    <message>
        <location filename="../../app/ui/about.py" line="88"/>
        <source>Close</source>
        <translation>閉じる</translation>
    </message>
    <message>
        <location filename="../../app/ui/about.py" line="90"/>
        <source>Collecting…</source>
        <translation>情報を集めています…</translation>
    </message>
</context>
<context>
    <name>CardPanel</name>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="146"/>
        <source>Card reader</source>
        <extracomment>tries left at or below which a secret is shown as &quot;low&quot; (red), by secret card states the service reports → (ja, en, colour) a state&apos;s heading when its error says more (by the card error&apos;s code): a mute card may be a My Number card with a damaged chip, so it is not called &quot;not a My Number card&quot; the JPKI certificates read without a PIN (app.desk.cardfill.certificate_values) what the panel says of a face-authentication card (顔認証マイナンバーカード, since 2023-12-15; e.g. 垂井町 https://www.town.tarui.lg.jp/page/8639.html: the user-authentication certificate is used without a PIN, the signing certificate cannot be used)</extracomment>
        <translation>カードリーダー</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="147"/>
        <source>&amp;Reader</source>
        <translation>リーダー(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="148"/>
        <source>Read again (F5)</source>
        <translation>再読取 (F5)</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="149"/>
        <source>PIN</source>
        <translation>暗証番号</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="149"/>
        <source>Tries left</source>
        <translation>残り回数</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="169"/>
        <source>blocked</source>
        <translation>ロック</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="171"/>
        <source>{left} of {max}</source>
        <translation>{left} / {max}</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="203"/>
        <source>Within three months of the expiry, or expired: the certificates can be renewed now.</source>
        <translation>有効期限の3か月前を過ぎています。電子証明書を更新できます。</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="204"/>
        <source>Certificates:</source>
        <translation>電子証明書:</translation>
    </message>
    <message>
        <location filename="../../app/ui/cardpanel.py" line="167"/>
        <source>not set</source>
        <translation>未設定</translation>
    </message>
</context>
<context>
    <name>CasePage</name>
    <message>
        <location filename="../../app/ui/casepage.py" line="388"/>
        <source>{case} — step {n} of {count}: {step}</source>
        <extracomment>reasons listed under the buttons at most (the rest summed up), to keep the page readable at 768 px how the data of a decision is shown on the case page (key of Decision.data → renderer)</extracomment>
        <translation>{case} — 手順 {n}/{count}：{step}</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="391"/>
        <source>Status: {status}</source>
        <translation>状態：{status}</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="397"/>
        <source>Read the card (Ctrl+R): the resident types the PIN</source>
        <translation>カードを読む (Ctrl+R)：暗証番号は住民本人が入力</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="403"/>
        <source>Checklist — tick each item after checking it</source>
        <translation>確認項目 — 確認したらチェック</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="405"/>
        <location filename="../../app/ui/casepage.py" line="409"/>
        <source> (optional)</source>
        <translation>（任意）</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="407"/>
        <source>Details</source>
        <translation>入力内容</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="414"/>
        <source>Choose… (search)</source>
        <translation>選ぶ…（検索）</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="422"/>
        <source>… and {n} more</source>
        <translation>…ほか {n} 件</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="416"/>
        <location filename="../../app/ui/casepage.py" line="423"/>
        <source>Next is not possible yet:</source>
        <translation>まだ次へ進めません：</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="398"/>
        <source>Read the tries left from the card (no try is used)</source>
        <translation>カードから残り回数を読む（回数は減りません）</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="399"/>
        <source>Training card: reset, the holder types the new PIN</source>
        <translation>研修用カード：再設定（新しい暗証番号は本人が入力）</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="400"/>
        <source>Read the certificates (the holder may type the signing password)</source>
        <translation>電子証明書を読み取る（署名用は本人が暗証番号を入力）</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="401"/>
        <source>Training card: issue new certificates, the holder types the PINs</source>
        <translation>研修用カード: 新しい電子証明書を発行（本人が暗証番号を入力）</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="417"/>
        <source>waiting for the support officer&apos;s release (sign-off on this terminal)</source>
        <translation>支援措置責任者の解除待ち（この端末で承認します）</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="428"/>
        <source>Back (Alt+←)</source>
        <translation>戻る (Alt+←)</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="429"/>
        <source>Pause (Ctrl+P)</source>
        <translation>保留 (Ctrl+P)</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="430"/>
        <source>Abandon</source>
        <translation>取りやめ</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="431"/>
        <source>Queue (Ctrl+H)</source>
        <translation>案件一覧 (Ctrl+H)</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="432"/>
        <source>Print / PDF…</source>
        <translation>印刷・PDF…</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="434"/>
        <source>Resume</source>
        <translation>再開</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="436"/>
        <source>Finished</source>
        <translation>終了</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="438"/>
        <source>Finish (Enter)</source>
        <translation>完了 (Enter)</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="440"/>
        <source>Next (Enter)</source>
        <translation>次へ (Enter)</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="447"/>
        <source>✔ {name}, {time}</source>
        <translation>✔ {name} {time}</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="475"/>
        <source>Abandoned.</source>
        <translation>取りやめました。</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="476"/>
        <source>Paused: the case waits in the queue.</source>
        <translation>保留中：案件一覧で待機しています。</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="620"/>
        <source> — PIN</source>
        <translation>の暗証番号</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="677"/>
        <source>The copy cannot be issued</source>
        <translation>写しを交付できません</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="544"/>
        <source>Abandon the case</source>
        <translation>案件の取りやめ</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="545"/>
        <source>Abandon this case? It stays in the record as abandoned.</source>
        <translation>この案件を取りやめますか？記録には「取りやめ」として残ります。</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="564"/>
        <location filename="../../app/ui/casepage.py" line="576"/>
        <location filename="../../app/ui/casepage.py" line="608"/>
        <source>Reading the card…</source>
        <translation>カードを読んでいます…</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="473"/>
        <source>Refused. Read this to the requester:</source>
        <translation>処理できません。請求者にはこの文を伝えてください：</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="474"/>
        <source>Completed. May be read to the requester:</source>
        <translation>完了しました。請求者に伝えてよい内容：</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="477"/>
        <source>Waiting for a check. Say only this to the requester:</source>
        <translation>確認待ちです。請求者にはこの文だけを伝えてください：</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="479"/>
        <source>May be read to the requester:</source>
        <translation>請求者に伝えてよい内容：</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="484"/>
        <source>For you only (staff) — do not read aloud, show or print:</source>
        <translation>職員限り（読み上げ・提示・印刷しないこと）：</translation>
    </message>
    <message>
        <location filename="../../app/ui/casepage.py" line="402"/>
        <source>Chip check (check code B)</source>
        <translation>ICチップの確認（照合番号B）</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <location filename="../../app/ui/passworddialog.py" line="54"/>
        <source>Change my password</source>
        <translation>パスワードの変更</translation>
    </message>
    <message>
        <location filename="../../app/ui/passworddialog.py" line="57"/>
        <source>Current password</source>
        <translation>現在のパスワード</translation>
    </message>
    <message>
        <location filename="../../app/ui/passworddialog.py" line="58"/>
        <source>New password</source>
        <translation>新しいパスワード</translation>
    </message>
    <message>
        <location filename="../../app/ui/passworddialog.py" line="59"/>
        <source>New password again</source>
        <translation>新しいパスワード（確認）</translation>
    </message>
    <message>
        <location filename="../../app/ui/passworddialog.py" line="55"/>
        <source>Your password was reset by an administrator. Choose your own to go on; Cancel signs you out.</source>
        <translation>管理者がパスワードを再設定しました。続けるには自分のパスワードを決めてください。「キャンセル」でサインアウトします。</translation>
    </message>
</context>
<context>
    <name>ChipCheckDialog</name>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="170"/>
        <source>Reading the chip…</source>
        <translation>ICチップを読んでいます…</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="206"/>
        <source>no resident record chosen for this person</source>
        <translation>照合する住民記録が選ばれていません</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="214"/>
        <source>differs</source>
        <translation>不一致</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="219"/>
        <source>The chip was read, but its signature cannot be verified here (no J-LIS key is configured on this terminal).</source>
        <translation>ICチップは読めましたが、この端末では署名を検証できません（J-LISの鍵が設定されていません）。</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="222"/>
        <source>Chip signature valid (training: the test card&apos;s CA). Compare the photo and the name and address images with the printed card and the person.</source>
        <translation>ICチップの署名は有効です（研修：テストカードの認証局）。顔写真と氏名・住所の画像を、カードの券面と来庁者本人に照らして確認してください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="225"/>
        <source>Chip signature valid, but the chip&apos;s items differ from the resident record: the case will stop.</source>
        <translation>ICチップの署名は有効ですが、券面事項が住民記録と一致しません。手続は止まります。</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="228"/>
        <source>Chip signature INVALID: the card may be forged. Do not accept it as identity; the case will stop. Report to your supervisor.</source>
        <translation>ICチップの署名が無効です。偽造カードのおそれがあります。本人確認書類として受け付けず、手続は止まります。上司に報告してください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="248"/>
        <source>Chip check (card-surface application)</source>
        <translation>ICチップの確認（券面事項確認AP）</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="250"/>
        <source>Type check code B from the card the person shows: the birth date and the expiry year as printed, and the 4-digit security code printed on the card. Only the card checks it; it is not kept. A wrong code uses one of the card&apos;s tries.</source>
        <translation>提示されたカードの券面を見て照合番号Bを入力してください：券面の生年月日と有効期限の年、カードに印字された4桁のセキュリティコード。照合はカードだけが行い、番号は保存しません。間違えるとカードの試行回数が1回減ります。</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="253"/>
        <source>Check code B (照合番号B)</source>
        <translation>照合番号B</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="254"/>
        <source>&amp;Birth date as printed (昭和60年3月1日 or YYYYMMDD)</source>
        <translation>券面の生年月日（和暦 昭和60年3月1日 又は西暦8桁）(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="255"/>
        <source>&amp;Expiry year on the card (YYYY)</source>
        <translation>券面の有効期限の年（西暦4桁）(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="256"/>
        <source>&amp;Security code on the card (4 digits)</source>
        <translation>セキュリティコード（数字4桁）(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="257"/>
        <source>Read the chip</source>
        <translation>ICチップを読む</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="258"/>
        <source>What the chip holds, beside the resident record</source>
        <translation>ICチップの内容と住民記録</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="259"/>
        <source>IC chip</source>
        <translation>ICチップ</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="260"/>
        <source>Resident record</source>
        <translation>住民記録</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="261"/>
        <source>Photo</source>
        <translation>顔写真</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="261"/>
        <source>Name</source>
        <translation>氏名</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="261"/>
        <source>Address</source>
        <translation>住所</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="262"/>
        <source>Birth date</source>
        <translation>生年月日</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="262"/>
        <source>Sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="262"/>
        <source>Card expiry</source>
        <translation>有効期限</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="264"/>
        <source>Chip matches the printed card and the person: record</source>
        <translation>券面・本人と一致：記録する</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="265"/>
        <source>Does not match: record (stops the case)</source>
        <translation>一致しない：記録する（手続は止まります）</translation>
    </message>
    <message>
        <location filename="../../app/ui/chipcheck.py" line="266"/>
        <source>Close</source>
        <translation>閉じる</translation>
    </message>
</context>
<context>
    <name>DocumentsDialog</name>
    <message>
        <location filename="../../app/ui/preview.py" line="158"/>
        <source>Documents of this case</source>
        <translation>この案件の書類</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="159"/>
        <source>Preview and print on the counter printer, or save the PDF.</source>
        <translation>窓口のプリンターでプレビュー・印刷するか、PDFとして保存します。</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="160"/>
        <source>Preview and print…</source>
        <translation>プレビューと印刷…</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="161"/>
        <source>Save as PDF…</source>
        <translation>PDFとして保存…</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="162"/>
        <source>Close</source>
        <translation>閉じる</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="182"/>
        <source>This PDF cannot be shown ({error}). Save it and open it elsewhere.</source>
        <translation>このPDFを表示できません（{error}）。保存して別のアプリで開いてください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="203"/>
        <source>The PDF could not be saved there ({error}). Choose another folder.</source>
        <translation>そこにはPDFを保存できませんでした（{error}）。別のフォルダーを選んでください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="207"/>
        <source>Save as PDF</source>
        <translation>PDFとして保存</translation>
    </message>
</context>
<context>
    <name>FiguresTab</name>
    <message>
        <location filename="../../app/ui/supervisor.py" line="146"/>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="146"/>
        <source>This month</source>
        <translation>今月</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="149"/>
        <source>Export CSV…</source>
        <translation>CSV出力…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="150"/>
        <source>Time (minutes)</source>
        <translation>時間（分）</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="150"/>
        <source>Cases</source>
        <translation>件数</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="150"/>
        <source>Median</source>
        <translation>中央値</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="151"/>
        <source>90th percentile</source>
        <translation>90％値</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="167"/>
        <source>{period}: {n} case(s)</source>
        <translation>{period}：{n} 件</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="170"/>
        <source>Cases by type and outcome</source>
        <translation>手続別・結果別の件数</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="178"/>
        <source>Refusals by reason</source>
        <translation>不可の理由</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="180"/>
        <source>Documents issued</source>
        <translation>交付件数（書類別）</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="182"/>
        <source>Handling (without pauses)</source>
        <translation>処理時間（保留を除く）</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="183"/>
        <source>Waiting for a support officer</source>
        <translation>解除待ちの時間</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="193"/>
        <source>Export CSV</source>
        <translation>CSV出力</translation>
    </message>
</context>
<context>
    <name>FirstRunDialog</name>
    <message>
        <location filename="../../app/ui/firstrun.py" line="102"/>
        <source>Madoguchi — first-time setup of this terminal</source>
        <translation>窓口 — この端末の初期設定</translation>
    </message>
    <message>
        <location filename="../../app/ui/firstrun.py" line="104"/>
        <source>This terminal is not configured yet. Fill in what office IT staff gave you; you can change it later with `madoguchi config`. The sync password is not asked here: it goes to the OS keyring with `madoguchi server login`.</source>
        <translation>この端末はまだ設定されていません。情報システム担当から受け取った内容を入力してください（後から `madoguchi config` で変更できます）。同期用のパスワードはここでは入力しません。`madoguchi server login` で OS のキーリングに登録します。</translation>
    </message>
    <message>
        <location filename="../../app/ui/firstrun.py" line="117"/>
        <source>Nothing was saved: correct the fields marked above.</source>
        <translation>保存していません。印の付いた項目を直してください。</translation>
    </message>
</context>
<context>
    <name>HelpMenu</name>
    <message>
        <location filename="../../app/ui/about.py" line="111"/>
        <source>&amp;Help</source>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/ui/about.py" line="112"/>
        <source>&amp;About Madoguchi…</source>
        <translation>窓口について(&amp;A)…</translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <location filename="../../app/ui/supervisor.py" line="275"/>
        <source>name or kana of the person</source>
        <translation>対象者の氏名・カナ</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="276"/>
        <source>issue number</source>
        <translation>交付番号</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="277"/>
        <source>Search</source>
        <translation>検索</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="278"/>
        <source>Issued</source>
        <translation>交付日時</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="278"/>
        <source>Issue number</source>
        <translation>交付番号</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="278"/>
        <source>Document</source>
        <translation>書類</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="279"/>
        <source>To whom</source>
        <translation>対象者</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="279"/>
        <source>Issued by</source>
        <translation>交付者</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="279"/>
        <source>Delivery</source>
        <translation>交付方法</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="291"/>
        <source>[restricted]</source>
        <translation>［制限対象］</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="126"/>
        <source>New case</source>
        <extracomment>queue tabs: (status code, ja, en)</extracomment>
        <translation>新しい案件</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="131"/>
        <source>Resident search</source>
        <translation>住民検索</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="133"/>
        <source>Name (kanji or kana), birth date 1980-04-01, address or My Number — Ctrl+F</source>
        <translation>氏名（漢字・かな）、生年月日 1980-04-01、住所、個人番号 — Ctrl+F</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="134"/>
        <source>Search</source>
        <translation>検索</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="135"/>
        <source>Today&apos;s cases</source>
        <translation>本日の案件</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="139"/>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="139"/>
        <source>Resident</source>
        <translation>住民</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="139"/>
        <source>Step</source>
        <translation>手順</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="139"/>
        <source>Opened</source>
        <translation>受付</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="139"/>
        <source>Clerk</source>
        <translation>担当</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="140"/>
        <source>Open the selected case (Enter)</source>
        <translation>選んだ案件を開く (Enter)</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="157"/>
        <source>{n} residents found. Select one, then {keys} starts that case for them.</source>
        <translation>{n} 件見つかりました。住民を選び、{keys} でその住民の案件を始めます。</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="181"/>
        <source>Renew the certificates of the card on the reader</source>
        <translation>リーダー上のカードの電子証明書を更新</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <location filename="../../app/ui/widgets.py" line="55"/>
        <source>&amp;Language</source>
        <translation>言語(&amp;L)</translation>
    </message>
</context>
<context>
    <name>LinkedSystemsDialog</name>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="374"/>
        <source>Linked systems</source>
        <translation>連携システム</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="375"/>
        <source>Blocked at</source>
        <translation>制限した日時</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="376"/>
        <source>Confirm the selected system blocked (as me)</source>
        <translation>選択したシステムの制限を確認（自分の名前で）</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="377"/>
        <source>System</source>
        <translation>システム</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="377"/>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="377"/>
        <source>Confirmed by, when</source>
        <translation>確認者・日時</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="387"/>
        <source>Every system below must also be blocked for {name}. A system not confirmed stays red here, on the desk and in the report.</source>
        <translation>{name} について、以下のすべてのシステムでも制限が必要です。確認されていないシステムは、ここと監督者画面・日報で赤く表示されます。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="392"/>
        <source>blocked</source>
        <translation>制限済み</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="392"/>
        <source>NOT CONFIRMED</source>
        <translation>未確認</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="407"/>
        <source>Choose a system in the list.</source>
        <translation>一覧からシステムを選んでください。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="300"/>
        <source>Madoguchi — counter</source>
        <translation>窓口 — 窓口業務</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="301"/>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="302"/>
        <source>&amp;Home: queue and search</source>
        <translation>ホーム：案件一覧と検索(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="303"/>
        <source>&amp;Lock the terminal</source>
        <translation>端末をロック(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="304"/>
        <source>Sign &amp;out</source>
        <translation>サインアウト(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="305"/>
        <source>Change my &amp;password…</source>
        <translation>パスワードの変更(&amp;P)…</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="341"/>
        <source>Your password was changed.</source>
        <translation>パスワードを変更しました。</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="306"/>
        <source>&amp;Quit</source>
        <translation>終了(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="307"/>
        <source>&amp;Case</source>
        <translation>案件(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="311"/>
        <source>New: {case}</source>
        <translation>新規：{case}</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="313"/>
        <source>Signed in: {name} · terminal {terminal}</source>
        <translation>サインイン中：{name} ・ 端末 {terminal}</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="308"/>
        <source>&amp;Supervisor</source>
        <translation>監督者(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/ui/mainwindow.py" line="309"/>
        <source>Supervisor&apos;s &amp;desk…</source>
        <translation>監督者画面(&amp;D)…</translation>
    </message>
</context>
<context>
    <name>MeasureRegistrationDialog</name>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="252"/>
        <source>Register a support measure</source>
        <translation>支援措置の登録</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="253"/>
        <source>Stage</source>
        <translation>段階</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="253"/>
        <source>Person to protect</source>
        <translation>支援対象者</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="253"/>
        <source>Kind</source>
        <translation>種類</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="253"/>
        <source>Applied on</source>
        <translation>申出日</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="254"/>
        <source>Start (decision)</source>
        <translation>開始日（支援決定）</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="254"/>
        <source>Perpetrator: family name</source>
        <translation>加害者：氏</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="254"/>
        <source>Perpetrator: given name</source>
        <translation>加害者：名</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="255"/>
        <source>Perpetrator: address</source>
        <translation>加害者：住所</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="266"/>
        <source>Search</source>
        <translation>検索</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="267"/>
        <source>name, kana or birth date</source>
        <translation>氏名・カナ・生年月日</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="268"/>
        <source>The measure blocks from the moment you register it. A support officer other than you confirms it today; every linked system is then confirmed blocked by name.</source>
        <translation>登録した時点から制限されます。あなた以外の支援措置責任者が本日中に確認し、各連携システムの制限をそれぞれ記名で確認します。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="289"/>
        <source>[restricted]</source>
        <translation>［制限対象］</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="302"/>
        <source>Search for the person to protect and choose them in the list.</source>
        <translation>支援対象者を検索し、一覧から選んでください。</translation>
    </message>
</context>
<context>
    <name>MeasuresTab</name>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="524"/>
        <source>Register…</source>
        <translation>登録…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="524"/>
        <source>Confirm registration…</source>
        <translation>登録を確認…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="525"/>
        <source>Linked systems…</source>
        <translation>連携システム…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="525"/>
        <source>Renew…</source>
        <translation>延長…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="526"/>
        <source>Ask to end…</source>
        <translation>終了を申請…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="526"/>
        <source>Confirm end…</source>
        <translation>終了を確認…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="527"/>
        <source>Monthly reconciliation…</source>
        <translation>月次照合…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="531"/>
        <source>Person</source>
        <translation>対象者</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="531"/>
        <source>Kind</source>
        <translation>種類</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="531"/>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="531"/>
        <source>Applied</source>
        <translation>申出日</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="531"/>
        <source>Ends</source>
        <translation>終了日</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="532"/>
        <source>Registration</source>
        <translation>登録</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="532"/>
        <source>Linked systems</source>
        <translation>連携システム</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="548"/>
        <source>overdue: register again</source>
        <translation>期限切れ：再登録が必要</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="548"/>
        <source>waiting for a second person</source>
        <translation>確認待ち（二人目）</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="550"/>
        <source>confirmed</source>
        <translation>確認済み</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="552"/>
        <source>not in the ledger</source>
        <translation>台帳登録なし</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="554"/>
        <source>{done}/{all} confirmed</source>
        <translation>{done}/{all} 確認済み</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="556"/>
        <source>missing: {names}</source>
        <translation>未確認：{names}</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="576"/>
        <source>Choose a measure in the list.</source>
        <translation>一覧から支援措置を選んでください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="582"/>
        <source>Registered: it blocks now. A support officer other than you confirms it today.</source>
        <translation>登録しました。すでに制限されています。あなた以外の支援措置責任者が本日中に確認してください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="593"/>
        <source>Nothing of this measure waits for confirmation.</source>
        <translation>この措置に確認待ちの登録はありません。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="597"/>
        <source>Confirm a registration</source>
        <translation>登録の確認</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="598"/>
        <source>A support officer other than the person who registered it confirms: {stage}, applied {applied}.</source>
        <translation>登録した職員以外の支援措置責任者が確認します：{stage}（申出日 {applied}）。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="602"/>
        <source>Confirmed.</source>
        <translation>確認しました。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="630"/>
        <source>Renewal registered: a support officer other than you confirms it today.</source>
        <translation>延長を登録しました。あなた以外の支援措置責任者が本日中に確認してください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="652"/>
        <source>End asked for: the measure keeps blocking until a second person confirms.</source>
        <translation>終了を申請しました。二人目が確認するまで制限は続きます。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="658"/>
        <source>Ask to end</source>
        <translation>終了の申請</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="658"/>
        <source>Reason for ending</source>
        <translation>終了の理由</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="668"/>
        <source>No end of this measure waits for confirmation.</source>
        <translation>この措置に確認待ちの終了申請はありません。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="671"/>
        <source>Confirm the end</source>
        <translation>終了の確認</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="672"/>
        <source>A second person confirms the end asked for: {reason}</source>
        <translation>申請された終了を二人目が確認します：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="677"/>
        <source>Ended.</source>
        <translation>終了しました。</translation>
    </message>
</context>
<context>
    <name>NewPinDialog</name>
    <message>
        <location filename="../../app/ui/pindialog.py" line="151"/>
        <source>New PIN — for the holder</source>
        <extracomment>what a new secret looks like (CARD.md): secret → (regular expression, max length, digits only)</extracomment>
        <translation>新しい暗証番号 — ご本人用</translation>
    </message>
    <message>
        <location filename="../../app/ui/pindialog.py" line="152"/>
        <source>Type your new {secret}, then once more</source>
        <translation>新しい{secret}を入力し、もう一度入力してください</translation>
    </message>
    <message>
        <location filename="../../app/ui/pindialog.py" line="153"/>
        <source>Only you type it. Staff never see it and it is not kept.</source>
        <translation>ご本人だけが入力してください。職員には見えず、保存もされません。</translation>
    </message>
</context>
<context>
    <name>PdfPreview</name>
    <message>
        <location filename="../../app/ui/preview.py" line="111"/>
        <source>{n} page(s)</source>
        <extracomment>a finished PDF from ``app.printing`` (:class:`app.printing.PrintedDocument`): title_ja, title_en, pdf, filename</extracomment>
        <translation>{n} ページ</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="112"/>
        <source>Print…</source>
        <translation>印刷…</translation>
    </message>
    <message>
        <location filename="../../app/ui/preview.py" line="113"/>
        <source>Close</source>
        <translation>閉じる</translation>
    </message>
</context>
<context>
    <name>QueuesTab</name>
    <message>
        <location filename="../../app/ui/supervisor.py" line="215"/>
        <source>Needs a supervisor</source>
        <translation>監督者の確認が必要なもの</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="215"/>
        <source>Since</source>
        <translation>時点</translation>
    </message>
</context>
<context>
    <name>ReasonBox</name>
    <message>
        <location filename="../../app/ui/widgets.py" line="89"/>
        <source>Source:</source>
        <translation>根拠：</translation>
    </message>
</context>
<context>
    <name>ReconciliationDialog</name>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="457"/>
        <source>Monthly reconciliation {month}</source>
        <translation>月次照合 {month}</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="458"/>
        <source>Save as PDF…</source>
        <translation>PDFとして保存…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="459"/>
        <source>Sign off this reconciliation…</source>
        <translation>この照合を確認（署名）…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="466"/>
        <source>Save as PDF</source>
        <translation>PDFとして保存</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="477"/>
        <source>Sign off the reconciliation</source>
        <translation>照合の確認</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="478"/>
        <source>A support officer signs in to sign off the reconciliation of {month} ({n} incomplete application(s)).</source>
        <translation>{month} の照合を確認するため、支援措置責任者が認証します（制限が揃っていない申出 {n} 件）。</translation>
    </message>
</context>
<context>
    <name>ResidentPickerDialog</name>
    <message>
        <location filename="../../app/ui/residentpicker.py" line="58"/>
        <source>Name (kanji or kana), birth date 1980-04-01, address or My Number — Ctrl+F</source>
        <translation>氏名（漢字・かな）、生年月日 1980-04-01、住所、個人番号 — Ctrl+F</translation>
    </message>
    <message>
        <location filename="../../app/ui/residentpicker.py" line="59"/>
        <source>Search</source>
        <translation>検索</translation>
    </message>
</context>
<context>
    <name>ResidentPinDialog</name>
    <message>
        <location filename="../../app/ui/pindialog.py" line="74"/>
        <source>PIN — for the resident</source>
        <translation>暗証番号の入力 — 住民の方へ</translation>
    </message>
    <message>
        <location filename="../../app/ui/pindialog.py" line="75"/>
        <source>Please type your card&apos;s 4-digit PIN
(券面事項入力補助用)</source>
        <translation>カードの暗証番号（数字4桁）を
入力してください（券面事項入力補助用）</translation>
    </message>
    <message>
        <location filename="../../app/ui/pindialog.py" line="76"/>
        <source>Only you type it. Staff never see it and it is not kept. A wrong PIN uses one of your 3 tries.</source>
        <translation>ご本人だけが入力してください。職員には見えず、保存もされません。間違えると3回のうち1回を使います。</translation>
    </message>
    <message>
        <location filename="../../app/ui/pindialog.py" line="78"/>
        <source>Clear</source>
        <translation>クリア</translation>
    </message>
</context>
<context>
    <name>RestrictionWarning</name>
    <message>
        <location filename="../../app/ui/restriction.py" line="97"/>
        <source>⚠ SUPPORT MEASURE (DV etc.): this case is stopped. A person in this request is protected. Do not say whether the person lives here. Only the support officer — not you — can release it.</source>
        <translation>⚠ 支援措置（DV等）：この案件は止まっています。請求の範囲に支援対象者が含まれています。その方が住んでいるかどうかを口にしないでください。解除できるのは支援措置責任者だけです（担当者は解除できません）。</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="108"/>
        <source>Support officer sign-off… (Ctrl+Shift+S)</source>
        <translation>支援措置責任者の承認… (Ctrl+Shift+S)</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="117"/>
        <source>The temporary release has expired. The restriction is back.</source>
        <translation>一時解除の期限が切れました。制限は元に戻っています。</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="120"/>
        <source>Temporarily released by {officer} for this request only: {minutes}:{seconds:02d} left</source>
        <translation>{officer} がこの請求に限り一時解除中：残り {minutes}:{seconds:02d}</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="93"/>
        <source>⚠ This request is handled by a municipal employee. Do not go on: call the employee in charge and hand the case over.</source>
        <translation>⚠ この請求は市の職員が処理します。手続を進めずに、担当の職員を呼んで引き継いでください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="96"/>
        <source>FOR YOU ONLY (staff) — do not read aloud, show or print.</source>
        <translation>【職員限り】読み上げ・提示・印刷しないでください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="105"/>
        <source>Say only this to the requester:</source>
        <translation>請求者にはこの文だけを伝えてください：</translation>
    </message>
</context>
<context>
    <name>SecondPersonDialog</name>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="104"/>
        <source>Staff ID</source>
        <translation>職員ID</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="105"/>
        <source>Password</source>
        <translation>パスワード</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="106"/>
        <source>or own card: PIN</source>
        <translation>または自分のカード：暗証番号</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="110"/>
        <source>Your card on the reader: PIN</source>
        <translation>リーダーにあるご自身のカード：暗証番号</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="130"/>
        <source>Type the PIN of your card.</source>
        <translation>カードの暗証番号を入力してください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="136"/>
        <source>The card is signing…</source>
        <translation>カードで署名しています…</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="186"/>
        <source>Sign with your card</source>
        <translation>カードで署名</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="187"/>
        <source>You signed in with your card. Type its PIN to sign this entry of the support-measure ledger with it.</source>
        <translation>カードで認証しています。支援措置の記録にカードで署名するため、カードの暗証番号を入力してください。</translation>
    </message>
</context>
<context>
    <name>SignInWindow</name>
    <message>
        <location filename="../../app/ui/signin.py" line="129"/>
        <source>Madoguchi — staff sign-in</source>
        <translation>窓口 — 職員サインイン</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="130"/>
        <source>Madoguchi counter terminal</source>
        <translation>窓口端末</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="132"/>
        <source>Locked after inactivity. {name}, sign in again to continue.</source>
        <translation>操作がなかったためロックしました。{name} さん、続けるにはもう一度サインインしてください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="135"/>
        <source>Sign in with your own account before serving a resident.</source>
        <translation>住民の対応の前に、ご自身のアカウントでサインインしてください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="136"/>
        <location filename="../../app/ui/signin.py" line="138"/>
        <source>Password</source>
        <translation>パスワード</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="137"/>
        <source>Staff ID</source>
        <translation>職員ID</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="139"/>
        <source>Sign in</source>
        <translation>サインイン</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="140"/>
        <source>Your own My Number card</source>
        <translation>ご自身のマイナンバーカード</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="141"/>
        <source>Put your own card on the reader and type your user-authentication PIN (4 digits).</source>
        <translation>ご自身のカードをリーダーに置き、利用者証明用の暗証番号（数字4桁）を入力してください。</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="143"/>
        <source>PIN</source>
        <translation>暗証番号</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="144"/>
        <source>Sign in with card (Ctrl+K)</source>
        <translation>カードでサインイン (Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../../app/ui/signin.py" line="145"/>
        <source>Sign out instead</source>
        <translation>代わりにサインアウト</translation>
    </message>
</context>
<context>
    <name>SignOffDialog</name>
    <message>
        <location filename="../../app/ui/restriction.py" line="214"/>
        <source>Support officer sign-off</source>
        <translation>支援措置責任者の承認</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="215"/>
        <source>Support officer only. The clerk handling this case cannot release it, whatever roles they hold.</source>
        <translation>支援措置責任者専用。この案件の担当者は、どの役割を持っていても解除できません。</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="217"/>
        <source>The request</source>
        <translation>請求の内容</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="219"/>
        <source>Identity checklist and scope (tick after checking)</source>
        <translation>本人確認と範囲の確認（確認したらチェック）</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="222"/>
        <source>Sign in here, on this terminal</source>
        <translation>この端末でサインイン</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="223"/>
        <source>Officer&apos;s staff ID</source>
        <translation>責任者の職員ID</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="224"/>
        <source>Password</source>
        <translation>パスワード</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="225"/>
        <source>or own card: PIN</source>
        <translation>または自分のカード：暗証番号</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="226"/>
        <source>Note / reason for a refusal</source>
        <translation>メモ・拒否の理由</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="227"/>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="228"/>
        <source>Refuse the request</source>
        <translation>請求を拒否する</translation>
    </message>
    <message>
        <location filename="../../app/ui/restriction.py" line="229"/>
        <source>Release for this request ({minutes} min)</source>
        <translation>この請求に限り一時解除（{minutes}分）</translation>
    </message>
</context>
<context>
    <name>SigningPasswordDialog</name>
    <message>
        <location filename="../../app/ui/pindialog.py" line="207"/>
        <source>Signing password — for the holder</source>
        <translation>署名用電子証明書の暗証番号 — ご本人用</translation>
    </message>
    <message>
        <location filename="../../app/ui/pindialog.py" line="208"/>
        <source>Please type the password of your signing certificate
(署名用電子証明書)</source>
        <translation>署名用電子証明書の暗証番号を
入力してください（英大文字と数字6〜16桁）</translation>
    </message>
    <message>
        <location filename="../../app/ui/pindialog.py" line="209"/>
        <source>Only you type it. Staff never see it and it is not kept. A wrong password uses one of your 5 tries. Cancel: the signing certificate is not read.</source>
        <translation>ご本人だけが入力します。職員は見ず、記録もしません。間違えると5回の残り回数を1回使います。キャンセルすると署名用電子証明書は読み取りません。</translation>
    </message>
</context>
<context>
    <name>SupervisorDesk</name>
    <message>
        <location filename="../../app/ui/supervisor.py" line="323"/>
        <source>Supervisor&apos;s desk</source>
        <translation>監督者画面</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="324"/>
        <source>Today / this month</source>
        <translation>今日・今月</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="324"/>
        <source>Queues</source>
        <translation>確認待ち</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="324"/>
        <source>Support measures</source>
        <translation>支援措置</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="325"/>
        <source>Issuance history</source>
        <translation>交付履歴</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor.py" line="327"/>
        <source>Refresh</source>
        <translation>更新</translation>
    </message>
    <message>
        <location filename="../../app/ui/supervisor_measures.py" line="51"/>
        <source>Not saved</source>
        <translation>保存されませんでした</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <location filename="../../app/ui/syncstatus.py" line="83"/>
        <source>standalone (no sync)</source>
        <translation>スタンドアロン（同期なし）</translation>
    </message>
    <message>
        <location filename="../../app/ui/syncstatus.py" line="84"/>
        <source>This store does not sync with the central server (training or standalone terminal).</source>
        <translation>このストアは中央サーバと同期しません（研修用または単独運用の端末）。</translation>
    </message>
    <message>
        <location filename="../../app/ui/syncstatus.py" line="89"/>
        <source>sync: starting…</source>
        <translation>同期：開始中…</translation>
    </message>
    <message>
        <location filename="../../app/ui/syncstatus.py" line="94"/>
        <source>syncing…</source>
        <translation>同期中…</translation>
    </message>
    <message>
        <location filename="../../app/ui/syncstatus.py" line="96"/>
        <source>{n} waiting for a support officer</source>
        <translation>支援措置責任者待ち {n} 件</translation>
    </message>
    <message>
        <location filename="../../app/ui/syncstatus.py" line="81"/>
        <source>Sync now</source>
        <translation>今すぐ同期</translation>
    </message>
</context>
<context>
    <name>TrainingBanner</name>
    <message>
        <location filename="../../app/ui/widgets.py" line="27"/>
        <source>研修モード — TRAINING MODE: demo data only, nothing here is real</source>
        <translation>研修モード — TRAINING MODE：デモデータのみ。実際の処理ではありません</translation>
    </message>
</context>
<context>
    <name>TrainingCardTray</name>
    <message>
        <location filename="../../app/ui/tray.py" line="88"/>
        <source>Training card tray</source>
        <extracomment>card states worth showing next to a demo card&apos;s holder</extracomment>
        <translation>研修用カードトレイ</translation>
    </message>
    <message>
        <location filename="../../app/ui/tray.py" line="89"/>
        <source>Training only: put a demo resident&apos;s card on a reader. It goes through the same PC/SC path as a real reader.</source>
        <translation>研修専用：デモ住民のカードをリーダーに置きます。実際のリーダーと同じ PC/SC 経路を通ります。</translation>
    </message>
    <message>
        <location filename="../../app/ui/tray.py" line="91"/>
        <source>Reader</source>
        <translation>リーダー</translation>
    </message>
    <message>
        <location filename="../../app/ui/tray.py" line="92"/>
        <source>Put on reader</source>
        <translation>リーダーに置く</translation>
    </message>
    <message>
        <location filename="../../app/ui/tray.py" line="93"/>
        <source>Take off</source>
        <translation>取り外す</translation>
    </message>
</context>
</TS>
