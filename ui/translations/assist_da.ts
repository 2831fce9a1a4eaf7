<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="da_DK">
<context>
    <name>AboutView</name>
    <message>
        <source>About AI in Assist</source>
        <translation>Om AI i Assist</translation>
    </message>
    <message>
        <source>What runs on this PC</source>
        <translation>Hvad kører på denne pc</translation>
    </message>
    <message>
        <source>Nothing leaves this PC</source>
        <translation>Intet forlader denne pc</translation>
    </message>
    <message>
        <source>Assist does not use the internet. The models are files on this PC, and Assist checks them against their checksums before it uses them.</source>
        <translation>Assist bruger ikke internettet. Modellerne er filer på denne pc, og Assist kontrollerer dem mod deres kontrolsummer, før de bruges.</translation>
    </message>
    <message>
        <source>Everything the citizen said (the recording, the transcript and the notes) is stored encrypted on this PC.</source>
        <translation>Alt, hvad borgeren har sagt (optagelsen, udskriften og noterne), gemmes krypteret på denne pc.</translation>
    </message>
    <message>
        <source>You are responsible for the note</source>
        <translation>Du har ansvaret for notatet</translation>
    </message>
    <message>
        <source>Every sentence the AI writes points to the place in the transcript it comes from, so you can check it.</source>
        <translation>Hver sætning, som AI skriver, peger på det sted i udskriften, den kommer fra, så du kan kontrollere den.</translation>
    </message>
    <message>
        <source>Sentences marked for checking must be checked against the transcript or the recording before you sign.</source>
        <translation>Sætninger, der er markeret til kontrol, skal kontrolleres mod udskriften eller optagelsen, før du underskriver.</translation>
    </message>
    <message>
        <source>The professional assessment is yours. The AI does not make it.</source>
        <translation>Den faglige vurdering er din. AI foretager den ikke.</translation>
    </message>
    <message>
        <source>A named person always signs the note: you. The AI never signs.</source>
        <translation>En navngiven person underskriver altid notatet: dig. AI underskriver aldrig.</translation>
    </message>
    <message>
        <source>The exported document says that AI helped draft it.</source>
        <translation>Det eksporterede dokument oplyser, at AI har hjulpet med at skrive udkastet.</translation>
    </message>
    <message>
        <source>How long data is kept</source>
        <translation>Hvor længe data gemmes</translation>
    </message>
    <message>
        <source>What the AI gets wrong</source>
        <translation>Hvad AI tager fejl af</translation>
    </message>
    <message>
        <source>Speech recognition mishears words, especially names, numbers, dates and people speaking at the same time.</source>
        <translation>Talegenkendelsen kan høre forkert, især ved navne, tal, datoer og når flere taler samtidig.</translation>
    </message>
    <message>
        <source>The drafter can miss nuance: irony, hesitation, and what was meant but not said in words.</source>
        <translation>Udkastsskriveren kan overse nuancer: ironi, tøven og det, der blev ment, men ikke sagt med ord.</translation>
    </message>
    <message>
        <source>Always check names, numbers, dates and amounts against the recording.</source>
        <translation>Kontrollér altid navne, tal, datoer og beløb mod optagelsen.</translation>
    </message>
    <message>
        <source>Speech recognition: faster-whisper with the model {model}. {state}</source>
        <translation>Talegenkendelse: faster-whisper med modellen {model}. {state}</translation>
    </message>
    <message>
        <source>Drafting: the rule-based drafter, which only uses sentences from the transcript. IT policy does not allow drafting with a language model.</source>
        <translation>Udkast: den regelbaserede udkastsskriver, som kun bruger sætninger fra udskriften. IT-politikken tillader ikke udkast med sprogmodel.</translation>
    </message>
    <message>
        <source>Drafting: the language model {model}, which passed Assist's drafting test. {state}</source>
        <translation>Udkast: sprogmodellen {model}, som har bestået Assists udkasttest. {state}</translation>
    </message>
    <message>
        <source>Drafting: the rule-based drafter, which only uses sentences from the transcript. The language model {model} is not approved for drafting on this PC. {state}</source>
        <translation>Udkast: den regelbaserede udkastsskriver, som kun bruger sætninger fra udskriften. Sprogmodellen {model} er ikke godkendt til udkast på denne pc. {state}</translation>
    </message>
    <message>
        <source>The models could not be checked: {problem}</source>
        <translation>Modellerne kunne ikke kontrolleres: {problem}</translation>
    </message>
    <message>
        <source>(Checking the model…)</source>
        <translation>(Modellen kontrolleres…)</translation>
    </message>
    <message>
        <source>(This model is not known on this PC.)</source>
        <translation>(Modellen kendes ikke på denne pc.)</translation>
    </message>
    <message>
        <source>(Installed and checked, SHA-256 {sha256}…)</source>
        <translation>(Installeret og kontrolleret, SHA-256 {sha256}…)</translation>
    </message>
    <message>
        <source>(Not installed.)</source>
        <translation>(Ikke installeret.)</translation>
    </message>
    <message>
        <source>(Damaged or changed: Assist does not use it.)</source>
        <translation>(Beskadiget eller ændret: Assist bruger den ikke.)</translation>
    </message>
    <message>
        <source>The recording is deleted when the note is signed.</source>
        <translation>Optagelsen slettes, når notatet underskrives.</translation>
    </message>
    <message>
        <source>The recording is kept {days} days after the note is signed.</source>
        <translation>Optagelsen gemmes i {days} dage, efter notatet er underskrevet.</translation>
    </message>
    <message>
        <source>A case without a signed note is deleted {days} days after its last change.</source>
        <translation>En sag uden underskrevet notat slettes {days} dage efter seneste ændring.</translation>
    </message>
    <message>
        <source>An exported case is deleted {days} days after export.</source>
        <translation>En eksporteret sag slettes {days} dage efter eksporten.</translation>
    </message>
    <message>
        <source>Your IT department has set these periods.</source>
        <translation>Din IT-afdeling har fastsat disse perioder.</translation>
    </message>
</context>
<context>
    <name>CaseListPanel</name>
    <message>
        <source>Search cases</source>
        <translation>Søg i sager</translation>
    </message>
    <message>
        <source>Cases</source>
        <translation>Sager</translation>
    </message>
    <message>
        <source>No cases yet. Start with “New meeting”.</source>
        <translation>Ingen sager endnu. Begynd med “Nyt møde”.</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Kladde</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>Underskrevet</translation>
    </message>
    <message>
        <source>Exported</source>
        <translation>Eksporteret</translation>
    </message>
    <message>
        <source>Damaged ⚠</source>
        <translation>Beskadiget ⚠</translation>
    </message>
    <message>
        <source>not before export</source>
        <translation>ikke før eksport</translation>
    </message>
    <message>
        <source>(untitled) {created}</source>
        <translation>(uden titel) {created}</translation>
    </message>
</context>
<context>
    <name>CaseTableModel</name>
    <message>
        <source>Case</source>
        <translation>Sag</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Tilstand</translation>
    </message>
    <message>
        <source>Note type</source>
        <translation>Notattype</translation>
    </message>
    <message>
        <source>Deleted on</source>
        <translation>Slettes</translation>
    </message>
</context>
<context>
    <name>CaseWorkspace</name>
    <message>
        <source>Case</source>
        <translation>Sag</translation>
    </message>
    <message>
        <source>(untitled meeting)</source>
        <translation>(møde uden titel)</translation>
    </message>
    <message>
        <source>consent to recording given</source>
        <translation>samtykke til optagelse givet</translation>
    </message>
    <message>
        <source>no consent to recording: typed notes</source>
        <translation>intet samtykke til optagelse: skrevne noter</translation>
    </message>
    <message>
        <source>consent withdrawn</source>
        <translation>samtykke trukket tilbage</translation>
    </message>
    <message>
        <source>consent not asked: typed notes</source>
        <translation>samtykke ikke spurgt om: skrevne noter</translation>
    </message>
    <message>
        <source>no participants given</source>
        <translation>ingen deltagere angivet</translation>
    </message>
    <message>
        <source>&amp;Meeting</source>
        <translation>&amp;Møde</translation>
    </message>
    <message>
        <source>&amp;Notes</source>
        <translation>&amp;Noter</translation>
    </message>
    <message>
        <source>&amp;Transcript</source>
        <translation>&amp;Udskrift</translation>
    </message>
    <message>
        <source>&amp;Draft</source>
        <translation>U&amp;dkast</translation>
    </message>
</context>
<context>
    <name>DictationWindow</name>
    <message>
        <source>Dictation – care note</source>
        <translation>Diktat – plejenotat</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meddelelse</translation>
    </message>
    <message>
        <source>Dictation is recorded and kept with the case until the note is signed. Has the citizen agreed to that?</source>
        <translation>Diktatet optages og gemmes på sagen, indtil notatet er underskrevet. Har borgeren givet samtykke til det?</translation>
    </message>
    <message>
        <source>The citizen</source>
        <translation>Borgeren</translation>
    </message>
    <message>
        <source>Consent given by</source>
        <translation>Samtykke givet af</translation>
    </message>
    <message>
        <source>Consent &amp;given by:</source>
        <translation>Samtykke &amp;givet af:</translation>
    </message>
    <message>
        <source>Consent given</source>
        <translation>Samtykke givet</translation>
    </message>
    <message>
        <source>No consent: type only</source>
        <translation>Intet samtykke: kun skrivning</translation>
    </message>
    <message>
        <source>Note text</source>
        <translation>Notattekst</translation>
    </message>
    <message>
        <source>&amp;Note:</source>
        <translation>&amp;Notat:</translation>
    </message>
    <message>
        <source>Hold to dictate (F8)</source>
        <translation>Hold nede for at diktere (F8)</translation>
    </message>
    <message>
        <source>Hold to dictate</source>
        <translation>Hold nede for at diktere</translation>
    </message>
    <message>
        <source>Hold the button or F8 while you speak; let go to insert the text.</source>
        <translation>Hold knappen eller F8 nede, mens du taler; slip for at indsætte teksten.</translation>
    </message>
    <message>
        <source>Dictation status</source>
        <translation>Diktatstatus</translation>
    </message>
    <message>
        <source>Numbers to check</source>
        <translation>Tal, der skal tjekkes</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>Kopiér tekst</translation>
    </message>
    <message>
        <source>Save as note</source>
        <translation>Gem som notat</translation>
    </message>
    <message>
        <source>Hold F8 or the button while you speak and let go when you are done: the text is inserted where the cursor is. F8 works only while this window is active: Qt has no global hotkey; a global key would need a platform keyboard hook, which municipal security policies and screen readers rightly distrust, and it would record when you did not mean to. After saving, sign and export the note in the main window's draft view.</source>
        <translation>Hold F8 eller knappen nede, mens du taler, og slip, når du er færdig: teksten indsættes, hvor markøren står. F8 virker kun, mens dette vindue er aktivt: Qt har ingen global genvejstast; en global tast ville kræve en tastaturovervågning i styresystemet, som kommunale sikkerhedsregler og skærmlæsere med god grund ikke stoler på, og den ville optage, når du ikke mente det. Når notatet er gemt, underskriver og eksporterer du det i hovedvinduets visning af udkastet.</translation>
    </message>
    <message>
        <source>Help</source>
        <translation>Hjælp</translation>
    </message>
    <message>
        <source>Care note</source>
        <translation>Plejenotat</translation>
    </message>
    <message>
        <source>No consent to recording: type the note; nothing is recorded.</source>
        <translation>Intet samtykke til optagelse: skriv notatet; der optages intet.</translation>
    </message>
    <message>
        <source>Nothing is recorded without consent. Give consent, or type the note.</source>
        <translation>Der optages intet uden samtykke. Giv samtykke, eller skriv notatet.</translation>
    </message>
    <message>
        <source>No speech was heard. Hold the key while you speak.</source>
        <translation>Der blev ikke hørt nogen tale. Hold tasten nede, mens du taler.</translation>
    </message>
    <message>
        <source>{value} (heard "{word}", {percent} % sure)</source>
        <translation>{value} (hørt som "{word}", {percent} % sikker)</translation>
    </message>
    <message>
        <source>⚠ Check these numbers: {numbers}</source>
        <translation>⚠ Tjek disse tal: {numbers}</translation>
    </message>
    <message>
        <source>The text is copied.</source>
        <translation>Teksten er kopieret.</translation>
    </message>
    <message>
        <source>Saved as the case's draft. Check the flagged sentences, then sign and export the note in the main window's draft view.</source>
        <translation>Gemt som sagens udkast. Tjek de markerede sætninger, og underskriv og eksportér derefter notatet i hovedvinduets visning af udkastet.</translation>
    </message>
    <message>
        <source>Typing only: nothing is recorded</source>
        <translation>Kun skrivning: der optages intet</translation>
    </message>
    <message>
        <source>Ready: hold F8 to dictate</source>
        <translation>Klar: hold F8 nede for at diktere</translation>
    </message>
    <message>
        <source>Starting microphone…</source>
        <translation>Starter mikrofon…</translation>
    </message>
    <message>
        <source>● Listening</source>
        <translation>● Lytter</translation>
    </message>
    <message>
        <source>Writing text…</source>
        <translation>Skriver tekst …</translation>
    </message>
</context>
<context>
    <name>DraftView</name>
    <message>
        <source>Template</source>
        <translation>Skabelon</translation>
    </message>
    <message>
        <source>Make draft</source>
        <translation>Lav udkast</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annullér</translation>
    </message>
    <message>
        <source>Cancel drafting</source>
        <translation>Annullér udkastet</translation>
    </message>
    <message>
        <source>Drafting progress</source>
        <translation>Fremdrift for udkastet</translation>
    </message>
    <message>
        <source>Draft status</source>
        <translation>Status for udkastet</translation>
    </message>
    <message>
        <source>How the draft was made</source>
        <translation>Sådan blev udkastet lavet</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>Underskrift</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Udkast</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>Kilder</translation>
    </message>
    <message>
        <source>Put the cursor in a sentence to see what it rests on.</source>
        <translation>Sæt markøren i en sætning for at se, hvad den bygger på.</translation>
    </message>
    <message>
        <source>Sources of the sentence</source>
        <translation>Sætningens kilder</translation>
    </message>
    <message>
        <source>Show source</source>
        <translation>Vis kilde</translation>
    </message>
    <message>
        <source>Play source</source>
        <translation>Afspil kilde</translation>
    </message>
    <message>
        <source>Save status</source>
        <translation>Gemmestatus</translation>
    </message>
    <message>
        <source>Sign…</source>
        <translation>Underskriv…</translation>
    </message>
    <message>
        <source>Start new version</source>
        <translation>Ny version</translation>
    </message>
    <message>
        <source>Export DOCX…</source>
        <translation>Eksportér DOCX…</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>Kopiér tekst</translation>
    </message>
    <message>
        <source>Export status</source>
        <translation>Status for eksport</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>Åbn fil</translation>
    </message>
    <message>
        <source>Choose a case to see its note.</source>
        <translation>Vælg en sag for at se dens notat.</translation>
    </message>
    <message>
        <source>This case has no draft yet. Choose a template and press Make draft.</source>
        <translation>Sagen har intet udkast endnu. Vælg en skabelon, og tryk på Lav udkast.</translation>
    </message>
    <message>
        <source>Not saved: {problem}</source>
        <translation>Ikke gemt: {problem}</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Gemmer…</translation>
    </message>
    <message>
        <source>Saved {time}</source>
        <translation>Gemt {time}</translation>
    </message>
    <message>
        <source>This sentence has no source in the transcript.</source>
        <translation>Sætningen har ingen kilde i udskriften.</translation>
    </message>
    <message>
        <source>The sentence rests on:</source>
        <translation>Sætningen bygger på:</translation>
    </message>
    <message>
        <source>The sentence rests only on notes the caseworker typed during the meeting, not on what was said:</source>
        <translation>Sætningen bygger kun på noter, som sagsbehandleren skrev under mødet, ikke på det, der blev sagt:</translation>
    </message>
    <message>
        <source>✎ Caseworker's note {number}</source>
        <translation>✎ Sagsbehandlerens notat {number}</translation>
    </message>
    <message>
        <source>Typed by the caseworker during the meeting; not said by anyone</source>
        <translation>Skrevet af sagsbehandleren under mødet; ikke sagt af nogen</translation>
    </message>
    <message>
        <source>Drafting…</source>
        <translation>Laver udkast…</translation>
    </message>
    <message>
        <source>Make a new draft</source>
        <translation>Lav nyt udkast</translation>
    </message>
    <message>
        <source>A new draft replaces the text of the current one, your edits included. Make a new draft?</source>
        <translation>Et nyt udkast erstatter teksten i det nuværende, også dine rettelser. Vil du lave et nyt udkast?</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Annullerer…</translation>
    </message>
    <message>
        <source>Checking the language model…</source>
        <translation>Kontrollerer sprogmodellen…</translation>
    </message>
    <message>
        <source>Choosing how to draft…</source>
        <translation>Vælger, hvordan udkastet laves…</translation>
    </message>
    <message>
        <source>Loading the language model…</source>
        <translation>Indlæser sprogmodellen…</translation>
    </message>
    <message>
        <source>The language model stopped; drafting without it…</source>
        <translation>Sprogmodellen stoppede; udkastet laves uden den…</translation>
    </message>
    <message>
        <source>The draft is ready. Read it, fix or check the flags.</source>
        <translation>Udkastet er klar. Læs det, og ret eller kontrollér markeringerne.</translation>
    </message>
    <message>
        <source>Cancelled. Nothing was saved; the previous draft stays.</source>
        <translation>Annulleret. Intet er gemt; det tidligere udkast er bevaret.</translation>
    </message>
    <message>
        <source>Drafting stopped with an unexpected error. Nothing was saved; try again.</source>
        <translation>Udkastet stoppede med en uventet fejl. Intet er gemt; prøv igen.</translation>
    </message>
    <message>
        <source>Signing failed unexpectedly. The note is not signed.</source>
        <translation>Underskriften mislykkedes uventet. Notatet er ikke underskrevet.</translation>
    </message>
    <message>
        <source>Export DOCX</source>
        <translation>Eksportér DOCX</translation>
    </message>
    <message>
        <source>Word document (*.docx)</source>
        <translation>Word-dokument (*.docx)</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Eksporterer…</translation>
    </message>
    <message>
        <source>Saved as {path}</source>
        <translation>Gemt som {path}</translation>
    </message>
    <message>
        <source>The export failed unexpectedly. Nothing was written.</source>
        <translation>Eksporten mislykkedes uventet. Der er ikke skrevet noget.</translation>
    </message>
    <message>
        <source>The signed note is copied. Paste it into the case system.</source>
        <translation>Det underskrevne notat er kopieret. Indsæt det i sagssystemet.</translation>
    </message>
    <message>
        <source>Editing version {version}. Version {signed} was signed by {name}.</source>
        <translation>Du redigerer version {version}. Version {signed} er underskrevet af {name}.</translation>
    </message>
    <message>
        <source>✓ Signed by {name}, version {version} ({when}). Read-only.</source>
        <translation>✓ Underskrevet af {name}, version {version} ({when}). Kan kun læses.</translation>
    </message>
</context>
<context>
    <name>ImportModelDialog</name>
    <message>
        <source>Import model</source>
        <translation>Importér model</translation>
    </message>
    <message>
        <source>Speech recognition (a CTranslate2 Whisper folder)</source>
        <translation>Talegenkendelse (en CTranslate2 Whisper-mappe)</translation>
    </message>
    <message>
        <source>Language model (a GGUF file)</source>
        <translation>Sprogmodel (en GGUF-fil)</translation>
    </message>
    <message>
        <source>Kind of model</source>
        <translation>Modeltype</translation>
    </message>
    <message>
        <source>Folder or file</source>
        <translation>Mappe eller fil</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Vælg…</translation>
    </message>
    <message>
        <source>Choose the folder or file</source>
        <translation>Vælg mappen eller filen</translation>
    </message>
    <message>
        <source>Model id</source>
        <translation>Model-id</translation>
    </message>
    <message>
        <source>for example hviske-tiske</source>
        <translation>for eksempel hviske-tiske</translation>
    </message>
    <message>
        <source>Copy the files into the model folder</source>
        <translation>Kopiér filerne til modelmappen</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Importér</translation>
    </message>
    <message>
        <source>&amp;Kind of model</source>
        <translation>Model&amp;type</translation>
    </message>
    <message>
        <source>&amp;Folder or file</source>
        <translation>&amp;Mappe eller fil</translation>
    </message>
    <message>
        <source>Model &amp;id</source>
        <translation>Model-&amp;id</translation>
    </message>
    <message>
        <source>Choose the model folder</source>
        <translation>Vælg modelmappen</translation>
    </message>
    <message>
        <source>Choose the model file</source>
        <translation>Vælg modelfilen</translation>
    </message>
</context>
<context>
    <name>LevelMeter</name>
    <message>
        <source>Input level</source>
        <translation>Lydniveau</translation>
    </message>
    <message>
        <source>Silent</source>
        <translation>Stille</translation>
    </message>
    <message>
        <source>{db} dB</source>
        <translation>{db} dB</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Assist: notes from meetings</source>
        <translation>Assist: notater fra møder</translation>
    </message>
    <message>
        <source>Choose a case on the left, or start a new meeting.

Everything stays on this PC. A person always checks and signs the note.</source>
        <translation>Vælg en sag til venstre, eller start et nyt møde.

Alt bliver på denne pc. Et menneske kontrollerer og underskriver altid notatet.</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Værktøjer</translation>
    </message>
    <message>
        <source>New meeting</source>
        <translation>Nyt møde</translation>
    </message>
    <message>
        <source>Dictation</source>
        <translation>Diktat</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Indstillinger</translation>
    </message>
    <message>
        <source>About AI in Assist</source>
        <translation>Om AI i Assist</translation>
    </message>
    <message>
        <source>Stop the recording before opening another case.</source>
        <translation>Stop optagelsen, før du åbner en anden sag.</translation>
    </message>
    <message>
        <source>Recover recordings</source>
        <translation>Gendan optagelser</translation>
    </message>
    <message>
        <source>Assist found {count} recording(s) that did not finish (the app or the PC stopped during a recording). Recover everything that was recorded?</source>
        <translation>Assist fandt {count} optagelse(r), der ikke blev afsluttet (programmet eller pc'en stoppede under en optagelse). Vil du gendanne alt, der blev optaget?</translation>
    </message>
    <message>
        <source>Recovered {count} recording(s); nothing recorded was lost.</source>
        <translation>{count} optagelse(r) gendannet; intet af det optagede gik tabt.</translation>
    </message>
    <message>
        <source>Something went wrong ({kind}). Nothing was lost; try again.</source>
        <translation>Noget gik galt ({kind}). Intet er gået tabt; prøv igen.</translation>
    </message>
    <message>
        <source>A recording is running</source>
        <translation>En optagelse er i gang</translation>
    </message>
    <message>
        <source>Stop the recording and close Assist? Everything recorded is kept.</source>
        <translation>Vil du stoppe optagelsen og lukke Assist? Alt, der er optaget, bliver gemt.</translation>
    </message>
    <message>
        <source>Finishing background work…</source>
        <translation>Afslutter arbejde i baggrunden…</translation>
    </message>
</context>
<context>
    <name>MeetingNotesPanel</name>
    <message>
        <source>Notes during the meeting</source>
        <translation>Noter under mødet</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Notat</translation>
    </message>
    <message>
        <source>Enter adds the note, Shift+Enter starts a new line, Esc goes back to the recording buttons.</source>
        <translation>Enter tilføjer notatet, Skift+Enter giver en ny linje, og Esc går tilbage til optageknapperne.</translation>
    </message>
    <message>
        <source>A keyword or two… (Enter adds it)</source>
        <translation>Et par stikord… (Enter tilføjer notatet)</translation>
    </message>
    <message>
        <source>Type a note (Alt+N). Enter adds it, Shift+Enter: new line.</source>
        <translation>Skriv et notat (Alt+N). Enter tilføjer det, Skift+Enter giver en ny linje.</translation>
    </message>
    <message>
        <source>Note (Alt+N):</source>
        <translation>Notat (Alt+N):</translation>
    </message>
    <message>
        <source>Add note</source>
        <translation>Tilføj notat</translation>
    </message>
    <message>
        <source>Notes typed during the meeting</source>
        <translation>Noter skrevet under mødet</translation>
    </message>
    <message>
        <source>The caseworker's own notes with their recording time; not what was said.</source>
        <translation>Sagsbehandlerens egne noter med tidspunktet i optagelsen; ikke det, der blev sagt.</translation>
    </message>
    <message>
        <source>A note you were typing was kept; it is in the box. Press Enter to add it.</source>
        <translation>Et notat, du var ved at skrive, er gemt; det står i feltet. Tryk på Enter for at tilføje det.</translation>
    </message>
    <message>
        <source>The note was not saved: {reason}</source>
        <translation>Notatet blev ikke gemt: {reason}</translation>
    </message>
    <message>
        <source>Type a keyword while the citizen talks and press Enter. The note gets the recording time at which you began typing it.</source>
        <translation>Skriv et stikord, mens borgeren taler, og tryk på Enter. Notatet får det tidspunkt i optagelsen, hvor du begyndte at skrive det.</translation>
    </message>
    <message>
        <source>Notes can be typed while a recording runs. The notes of the case:</source>
        <translation>Du kan skrive noter, mens en optagelse kører. Sagens noter:</translation>
    </message>
    <message>
        <source>Notes can be typed while a recording runs.</source>
        <translation>Du kan skrive noter, mens en optagelse kører.</translation>
    </message>
</context>
<context>
    <name>MicrophoneRow</name>
    <message>
        <source>The system's default microphone</source>
        <translation>Systemets standardmikrofon</translation>
    </message>
    <message>
        <source>{name} (system default)</source>
        <translation>{name} (systemets standard)</translation>
    </message>
    <message>
        <source>{name} (not connected)</source>
        <translation>{name} (ikke tilsluttet)</translation>
    </message>
</context>
<context>
    <name>ModelsPanel</name>
    <message>
        <source>Models on this PC</source>
        <translation>Modeller på denne pc</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Used for</source>
        <translation>Bruges til</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>Kontrol</translation>
    </message>
    <message>
        <source>Drafting test</source>
        <translation>Udkasttest</translation>
    </message>
    <message>
        <source>Check the models again</source>
        <translation>Kontrollér modellerne igen</translation>
    </message>
    <message>
        <source>Reads every model file again and compares it with its checksum.</source>
        <translation>Læser alle modelfiler igen og sammenligner dem med deres kontrolsum.</translation>
    </message>
    <message>
        <source>Import model…</source>
        <translation>Importér model…</translation>
    </message>
    <message>
        <source>Import progress</source>
        <translation>Importens fremskridt</translation>
    </message>
    <message>
        <source>Cancel import</source>
        <translation>Annullér import</translation>
    </message>
    <message>
        <source>Checking the models…</source>
        <translation>Modellerne kontrolleres…</translation>
    </message>
    <message>
        <source>{count} models known.</source>
        <translation>{count} modeller kendt.</translation>
    </message>
    <message>
        <source>No models are known.</source>
        <translation>Ingen modeller er kendt.</translation>
    </message>
    <message>
        <source>Speech recognition</source>
        <translation>Talegenkendelse</translation>
    </message>
    <message>
        <source>Language model</source>
        <translation>Sprogmodel</translation>
    </message>
    <message>
        <source>Transcribes</source>
        <translation>Transskriberer</translation>
    </message>
    <message>
        <source>Chosen for drafting</source>
        <translation>Valgt til udkast</translation>
    </message>
    <message>
        <source>Checked</source>
        <translation>Kontrolleret</translation>
    </message>
    <message>
        <source>Not installed</source>
        <translation>Ikke installeret</translation>
    </message>
    <message>
        <source>A file is missing: not used</source>
        <translation>En fil mangler: bruges ikke</translation>
    </message>
    <message>
        <source>Cannot be read: not used</source>
        <translation>Kan ikke læses: bruges ikke</translation>
    </message>
    <message>
        <source>Changed or damaged: not used</source>
        <translation>Ændret eller beskadiget: bruges ikke</translation>
    </message>
    <message>
        <source>Registration changed outside Assist: not used</source>
        <translation>Registreringen er ændret uden om Assist: bruges ikke</translation>
    </message>
    <message>
        <source>Registration cannot be checked: not used</source>
        <translation>Registreringen kan ikke kontrolleres: bruges ikke</translation>
    </message>
    <message>
        <source>Not needed</source>
        <translation>Ikke nødvendig</translation>
    </message>
    <message>
        <source>Passed: may write drafts</source>
        <translation>Bestået: må skrive udkast</translation>
    </message>
    <message>
        <source>Failed: the rule-based drafter is used</source>
        <translation>Ikke bestået: den regelbaserede udkastsskriver bruges</translation>
    </message>
    <message>
        <source>Crashed during the test: the rule-based drafter is used</source>
        <translation>Gik ned under testen: den regelbaserede udkastsskriver bruges</translation>
    </message>
    <message>
        <source>Test result changed outside Assist: treated as failed</source>
        <translation>Testresultatet er ændret uden om Assist: behandles som ikke bestået</translation>
    </message>
    <message>
        <source>Test result cannot be checked: treated as not tested</source>
        <translation>Testresultatet kan ikke kontrolleres: behandles som ikke testet</translation>
    </message>
    <message>
        <source>Not tested: the rule-based drafter is used</source>
        <translation>Ikke testet: den regelbaserede udkastsskriver bruges</translation>
    </message>
    <message>
        <source>Something unexpected went wrong ({kind}). Try again, or contact IT.</source>
        <translation>Der skete en uventet fejl ({kind}). Prøv igen, eller kontakt IT.</translation>
    </message>
    <message>
        <source>Import is turned off by IT policy: {origin}</source>
        <translation>Import er slået fra af IT-politik: {origin}</translation>
    </message>
    <message>
        <source>Import is turned off by IT ({origin}).</source>
        <translation>Import er slået fra af IT ({origin}).</translation>
    </message>
    <message>
        <source>built-in default</source>
        <translation>indbygget standard</translation>
    </message>
    <message>
        <source>Importing {model_id}…</source>
        <translation>Importerer {model_id}…</translation>
    </message>
    <message>
        <source>Cancelling the import…</source>
        <translation>Importen annulleres…</translation>
    </message>
    <message>
        <source>The model was imported and checked.</source>
        <translation>Modellen er importeret og kontrolleret.</translation>
    </message>
    <message>
        <source>The import was cancelled; nothing was registered.</source>
        <translation>Importen blev annulleret; intet er registreret.</translation>
    </message>
</context>
<context>
    <name>NewMeetingDialog</name>
    <message>
        <source>New meeting</source>
        <translation>Nyt møde</translation>
    </message>
    <message>
        <source>e.g. case number or the citizen's initials</source>
        <translation>f.eks. journalnummer eller borgerens initialer</translation>
    </message>
    <message>
        <source>One per line, e.g. “Anne Hansen (rådgiver)”</source>
        <translation>Én pr. linje, f.eks. “Anne Hansen (rådgiver)”</translation>
    </message>
    <message>
        <source>The citizen consents to the meeting being recorded</source>
        <translation>Borgeren giver samtykke til, at mødet optages</translation>
    </message>
    <message>
        <source>No consent to recording: I type notes instead</source>
        <translation>Intet samtykke til optagelse: jeg skriver noter i stedet</translation>
    </message>
    <message>
        <source>The citizen</source>
        <translation>Borgeren</translation>
    </message>
    <message>
        <source>&amp;Case</source>
        <translation>&amp;Sag</translation>
    </message>
    <message>
        <source>&amp;Note type</source>
        <translation>&amp;Notattype</translation>
    </message>
    <message>
        <source>&amp;Participants</source>
        <translation>&amp;Deltagere</translation>
    </message>
    <message>
        <source>Consent</source>
        <translation>Samtykke</translation>
    </message>
    <message>
        <source>Consent &amp;given by</source>
        <translation>Samtykke &amp;givet af</translation>
    </message>
    <message>
        <source>Start meeting</source>
        <translation>Start møde</translation>
    </message>
    <message>
        <source>IT policy requires the citizen's consent for typed notes too ({origin}). Without consent, write the note directly in the case system.</source>
        <translation>IT-politikken kræver borgerens samtykke, også til skrevne noter ({origin}). Uden samtykke skrives notatet direkte i fagsystemet.</translation>
    </message>
</context>
<context>
    <name>RecordingView</name>
    <message>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Mikrofon:</translation>
    </message>
    <message>
        <source>Start recording</source>
        <translation>Start optagelse</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Genoptag</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stop</translation>
    </message>
    <message>
        <source>Recorded time</source>
        <translation>Optaget tid</translation>
    </message>
    <message>
        <source>Recording status</source>
        <translation>Optagelsens status</translation>
    </message>
    <message>
        <source>Live transcript</source>
        <translation>Løbende udskrift</translation>
    </message>
    <message>
        <source>&amp;Transcript:</source>
        <translation>&amp;Udskrift:</translation>
    </message>
    <message>
        <source>Import audio file…</source>
        <translation>Importér lydfil…</translation>
    </message>
    <message>
        <source>Import progress</source>
        <translation>Importens fremskridt</translation>
    </message>
    <message>
        <source>Cancel import</source>
        <translation>Annullér import</translation>
    </message>
    <message>
        <source>System default microphone</source>
        <translation>Systemets standardmikrofon</translation>
    </message>
    <message>
        <source>The chosen microphone is not connected; the system default is used.</source>
        <translation>Den valgte mikrofon er ikke tilsluttet; systemets standardmikrofon bruges.</translation>
    </message>
    <message>
        <source>No microphone is connected.</source>
        <translation>Der er ikke tilsluttet nogen mikrofon.</translation>
    </message>
    <message>
        <source>{seconds} seconds recorded</source>
        <translation>{seconds} sekunder optaget</translation>
    </message>
    <message>
        <source>The recording is saved in the case ({duration}).</source>
        <translation>Optagelsen er gemt i sagen ({duration}).</translation>
    </message>
    <message>
        <source>The microphone disappeared. The recording is paused and what was recorded is kept. Press Stop to save it, check the microphone, and start a new recording.</source>
        <translation>Mikrofonen forsvandt. Optagelsen er sat på pause, og det, der allerede er optaget, er bevaret. Tryk på Stop for at gemme det, tjek mikrofonen, og start en ny optagelse.</translation>
    </message>
    <message>
        <source>Import audio file</source>
        <translation>Importér lydfil</translation>
    </message>
    <message>
        <source>Audio files (*.wav *.mp3 *.m4a *.aac *.flac *.ogg *.opus *.wma *.mp4)</source>
        <translation>Lydfiler (*.wav *.mp3 *.m4a *.aac *.flac *.ogg *.opus *.wma *.mp4)</translation>
    </message>
    <message>
        <source>Reading the audio file…</source>
        <translation>Læser lydfilen…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Annullerer…</translation>
    </message>
    <message>
        <source>Replace the transcript?</source>
        <translation>Vil du erstatte udskriften?</translation>
    </message>
    <message>
        <source>The case already has a transcript. Importing the file replaces it.</source>
        <translation>Sagen har allerede en udskrift. Hvis du importerer filen, bliver den erstattet.</translation>
    </message>
    <message>
        <source>Transcribing…</source>
        <translation>Transskriberer…</translation>
    </message>
    <message>
        <source>Checking the speech model…</source>
        <translation>Kontrollerer talemodellen…</translation>
    </message>
    <message>
        <source>Loading speech recognition…</source>
        <translation>Indlæser talegenkendelsen…</translation>
    </message>
    <message>
        <source>The audio file is transcribed into the case ({count} segments).</source>
        <translation>Lydfilen er transskriberet ind i sagen ({count} segmenter).</translation>
    </message>
    <message>
        <source>The import was cancelled. Nothing was saved.</source>
        <translation>Importen blev annulleret. Intet er gemt.</translation>
    </message>
    <message>
        <source>Ready to record</source>
        <translation>Klar til at optage</translation>
    </message>
    <message>
        <source>Not recording</source>
        <translation>Optager ikke</translation>
    </message>
    <message>
        <source>Starting microphone…</source>
        <translation>Starter mikrofon…</translation>
    </message>
    <message>
        <source>● Recording</source>
        <translation>● Optager</translation>
    </message>
    <message>
        <source>❚❚ Paused</source>
        <translation>❚❚ Sat på pause</translation>
    </message>
    <message>
        <source>Finishing transcript…</source>
        <translation>Afslutter udskrift…</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meddelelse</translation>
    </message>
</context>
<context>
    <name>RenameSpeakerDialog</name>
    <message>
        <source>Rename speaker</source>
        <translation>Omdøb taler</translation>
    </message>
    <message>
        <source>Speaker to rename</source>
        <translation>Taler, der skal omdøbes</translation>
    </message>
    <message>
        <source>New name</source>
        <translation>Nyt navn</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Taler</translation>
    </message>
</context>
<context>
    <name>SectionEditor</name>
    <message>
        <source>AI draft</source>
        <translation>AI-udkast</translation>
    </message>
    <message>
        <source>Written by the machine. Read it, then edit it or accept the section.</source>
        <translation>Skrevet af maskinen. Læs teksten, og ret den eller godkend afsnittet.</translation>
    </message>
    <message>
        <source>Accept section</source>
        <translation>Godkend afsnit</translation>
    </message>
    <message>
        <source>Accept section {title}</source>
        <translation>Godkend afsnittet {title}</translation>
    </message>
    <message>
        <source>Write your professional assessment …</source>
        <translation>Skriv din faglige vurdering …</translation>
    </message>
    <message>
        <source>Your own professional assessment. Assist never fills this in.</source>
        <translation>Din egen faglige vurdering. Assist udfylder aldrig dette felt.</translation>
    </message>
    <message>
        <source>AI draft: contains machine-written text that no person has checked yet.</source>
        <translation>AI-udkast: indeholder maskinskrevet tekst, som ingen har kontrolleret endnu.</translation>
    </message>
    <message>
        <source>⚠ Flag: {reason} — “{sentence}”</source>
        <translation>⚠ Markering: {reason} — “{sentence}”</translation>
    </message>
    <message>
        <source>✓ Checked: {reason} — “{sentence}”</source>
        <translation>✓ Kontrolleret: {reason} — “{sentence}”</translation>
    </message>
    <message>
        <source>Show in text</source>
        <translation>Vis i teksten</translation>
    </message>
    <message>
        <source>Show in text: {reason}</source>
        <translation>Vis i teksten: {reason}</translation>
    </message>
    <message>
        <source>Checked</source>
        <translation>Kontrolleret</translation>
    </message>
    <message>
        <source>Checked: {reason}</source>
        <translation>Kontrolleret: {reason}</translation>
    </message>
    <message>
        <source>I have checked this sentence against the recording; it stands.</source>
        <translation>Jeg har kontrolleret sætningen mod optagelsen; den kan stå.</translation>
    </message>
    <message>
        <source>Sources:</source>
        <translation>Kilder:</translation>
    </message>
    <message>
        <source>No source</source>
        <translation>Ingen kilde</translation>
    </message>
    <message>
        <source>Click to show the source in the transcript.</source>
        <translation>Klik for at se kilden i udskriften.</translation>
    </message>
    <message>
        <source>✎ Caseworker's note {number}</source>
        <translation>✎ Sagsbehandlerens notat {number}</translation>
    </message>
</context>
<context>
    <name>SegmentPlayer</name>
    <message>
        <source>Loading the audio…</source>
        <translation>Henter lyden…</translation>
    </message>
    <message>
        <source>The audio could not be read. Playback is off; the transcript is not affected.</source>
        <translation>Lyden kunne ikke læses. Afspilning er slået fra; udskriften er ikke berørt.</translation>
    </message>
    <message>
        <source>This case has no recording to play.</source>
        <translation>Sagen har ingen optagelse at afspille.</translation>
    </message>
    <message>
        <source>The audio was deleted after signing.</source>
        <translation>Lyden er slettet efter underskrift.</translation>
    </message>
    <message>
        <source>The audio was deleted when consent was withdrawn.</source>
        <translation>Lyden er slettet, da samtykket blev trukket tilbage.</translation>
    </message>
    <message>
        <source>The audio was deleted.</source>
        <translation>Lyden er slettet.</translation>
    </message>
    <message>
        <source>The audio could not be played.</source>
        <translation>Lyden kunne ikke afspilles.</translation>
    </message>
</context>
<context>
    <name>SettingRow</name>
    <message>
        <source>Choose…</source>
        <translation>Vælg…</translation>
    </message>
    <message>
        <source>Choose {setting}</source>
        <translation>Vælg {setting}</translation>
    </message>
    <message>
        <source>Use default</source>
        <translation>Brug standard</translation>
    </message>
    <message>
        <source>Use the default for {setting}</source>
        <translation>Brug standardværdien for {setting}</translation>
    </message>
    <message>
        <source>On</source>
        <translation>Til</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>Ja</translation>
    </message>
    <message>
        <source>No</source>
        <translation>Nej</translation>
    </message>
    <message>
        <source>Not set</source>
        <translation>Ikke sat</translation>
    </message>
    <message>
        <source>Empty list</source>
        <translation>Tom liste</translation>
    </message>
    <message>
        <source>Locked by IT policy: {origin}</source>
        <translation>Låst af IT-politik: {origin}</translation>
    </message>
    <message>
        <source>Set by the environment variable {origin}</source>
        <translation>Sat af miljøvariablen {origin}</translation>
    </message>
    <message>
        <source>Your own setting</source>
        <translation>Din egen indstilling</translation>
    </message>
    <message>
        <source>Machine default set by IT: {origin}</source>
        <translation>Maskinens standard sat af IT: {origin}</translation>
    </message>
    <message>
        <source>Built-in default</source>
        <translation>Indbygget standard</translation>
    </message>
    <message>
        <source>(set by IT; cannot be changed here)</source>
        <translation>(sat af IT; kan ikke ændres her)</translation>
    </message>
</context>
<context>
    <name>SettingsView</name>
    <message>
        <source>Settings</source>
        <translation>Indstillinger</translation>
    </message>
    <message>
        <source>Other settings</source>
        <translation>Andre indstillinger</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprog</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <source>Data and deletion</source>
        <translation>Data og sletning</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Modeller</translation>
    </message>
    <message>
        <source>Notes and signing</source>
        <translation>Notater og underskrift</translation>
    </message>
    <message>
        <source>Problems in the settings. Please pass this on to IT:</source>
        <translation>Problemer i indstillingerne. Giv venligst dette videre til IT:</translation>
    </message>
    <message>
        <source>The settings file could not be written ({reason}).</source>
        <translation>Indstillingsfilen kunne ikke skrives ({reason}).</translation>
    </message>
    <message>
        <source>Saved. The new language is used the next time Assist starts.</source>
        <translation>Gemt. Det nye sprog bruges, næste gang Assist starter.</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Gemt.</translation>
    </message>
</context>
<context>
    <name>SignDialog</name>
    <message>
        <source>Sign the note</source>
        <translation>Underskriv notatet</translation>
    </message>
    <message>
        <source>What must be done before signing</source>
        <translation>Det skal gøres, før du kan underskrive</translation>
    </message>
    <message>
        <source>⚠ {count} flag(s) are still open. Fix each flagged sentence or mark it Checked before you sign.</source>
        <translation>⚠ {count} markering(er) er stadig åbne. Ret hver markeret sætning, eller markér den som Kontrolleret, før du underskriver.</translation>
    </message>
    <message>
        <source>⚠ The professional assessment is empty. Write it before you sign.</source>
        <translation>⚠ Den faglige vurdering er tom. Skriv den, før du underskriver.</translation>
    </message>
    <message>
        <source>Your full name</source>
        <translation>Dit fulde navn</translation>
    </message>
    <message>
        <source>First name and surname</source>
        <translation>Fornavn og efternavn</translation>
    </message>
    <message>
        <source>Set by your IT department</source>
        <translation>Fastsat af din it-afdeling</translation>
    </message>
    <message>
        <source>Signer name problem</source>
        <translation>Problem med underskriverens navn</translation>
    </message>
    <message>
        <source>By signing you confirm: I have read the note and stand by its content; the AI-drafted parts are checked.</source>
        <translation>Når du underskriver, bekræfter du: Jeg har læst notatet og står inde for indholdet; de AI-udkastede dele er kontrolleret.</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>Underskriv</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annullér</translation>
    </message>
</context>
<context>
    <name>TranscriptDelegate</name>
    <message>
        <source>Speaker</source>
        <translation>Taler</translation>
    </message>
    <message>
        <source>Note text (empty removes the note)</source>
        <translation>Notatets tekst (tom tekst fjerner notatet)</translation>
    </message>
    <message>
        <source>Segment text</source>
        <translation>Afsnittets tekst</translation>
    </message>
</context>
<context>
    <name>TranscriptModel</name>
    <message>
        <source>{mark} Note {number} · caseworker</source>
        <translation>{mark} Notat {number} · sagsbehandler</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Tid</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Taler</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Tekst</translation>
    </message>
    <message>
        <source>Play from here (click, or Enter)</source>
        <translation>Afspil herfra (klik, eller tryk Enter)</translation>
    </message>
    <message>
        <source>Typed by the caseworker during the meeting; not said by anyone in it</source>
        <translation>Skrevet af sagsbehandleren under mødet; ikke sagt af nogen i mødet</translation>
    </message>
    <message>
        <source>No speaker set</source>
        <translation>Ingen taler angivet</translation>
    </message>
    <message>
        <source>Uncertain word (marked [?]): {words}</source>
        <translation>Usikkert ord (markeret [?]): {words}</translation>
    </message>
    <message>
        <source>Uncertain words (marked [?]): {words}</source>
        <translation>Usikre ord (markeret [?]): {words}</translation>
    </message>
</context>
<context>
    <name>TranscriptView</name>
    <message>
        <source>Transcript</source>
        <translation>Udskrift</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meddelelse</translation>
    </message>
    <message>
        <source>Speaker</source>
        <translation>Taler</translation>
    </message>
    <message>
        <source>Speaker for the selected segments</source>
        <translation>Taler for de valgte afsnit</translation>
    </message>
    <message>
        <source>Choose Citizen or Adviser, or type a name, then Set speaker</source>
        <translation>Vælg Borger eller Rådgiver, eller skriv et navn, og vælg så Angiv taler</translation>
    </message>
    <message>
        <source>Set speaker</source>
        <translation>Angiv taler</translation>
    </message>
    <message>
        <source>Label the selected segments (Ctrl+1: Citizen, Ctrl+2: Adviser)</source>
        <translation>Angiv taler for de valgte afsnit (Ctrl+1: Borger, Ctrl+2: Rådgiver)</translation>
    </message>
    <message>
        <source>Rename speaker…</source>
        <translation>Omdøb taler…</translation>
    </message>
    <message>
        <source>Rename a speaker everywhere in the transcript</source>
        <translation>Omdøb en taler overalt i udskriften</translation>
    </message>
    <message>
        <source>Save status</source>
        <translation>Gemmestatus</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Afspil</translation>
    </message>
    <message>
        <source>Play or pause from the selected segment (Ctrl+Space)</source>
        <translation>Afspil eller sæt på pause fra det valgte afsnit (Ctrl+Mellemrum)</translation>
    </message>
    <message>
        <source>−5 s</source>
        <translation>−5 sek.</translation>
    </message>
    <message>
        <source>Back 5 seconds</source>
        <translation>5 sekunder tilbage</translation>
    </message>
    <message>
        <source>Back 5 seconds (Ctrl+Left)</source>
        <translation>5 sekunder tilbage (Ctrl+Venstre)</translation>
    </message>
    <message>
        <source>+5 s</source>
        <translation>+5 sek.</translation>
    </message>
    <message>
        <source>Forward 5 seconds</source>
        <translation>5 sekunder frem</translation>
    </message>
    <message>
        <source>Forward 5 seconds (Ctrl+Right)</source>
        <translation>5 sekunder frem (Ctrl+Højre)</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Hastighed</translation>
    </message>
    <message>
        <source>Playback speed</source>
        <translation>Afspilningshastighed</translation>
    </message>
    <message>
        <source>Playback position</source>
        <translation>Afspilningsposition</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Lyd</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>Søg</translation>
    </message>
    <message>
        <source>Find (Ctrl+F); next F3, previous Shift+F3</source>
        <translation>Søg (Ctrl+F); næste F3, forrige Skift+F3</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>Forrige</translation>
    </message>
    <message>
        <source>Previous match (Shift+F3)</source>
        <translation>Forrige fund (Skift+F3)</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Næste</translation>
    </message>
    <message>
        <source>Next match (F3)</source>
        <translation>Næste fund (F3)</translation>
    </message>
    <message>
        <source>Replace with</source>
        <translation>Erstat med</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>Erstat</translation>
    </message>
    <message>
        <source>Replace in the selected segment, then find next</source>
        <translation>Erstat i det valgte afsnit, og find det næste</translation>
    </message>
    <message>
        <source>Replace all</source>
        <translation>Erstat alle</translation>
    </message>
    <message>
        <source>Match case</source>
        <translation>Forskel på store og små bogstaver</translation>
    </message>
    <message>
        <source>Find result</source>
        <translation>Søgeresultat</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Luk</translation>
    </message>
    <message>
        <source>Close find</source>
        <translation>Luk søgning</translation>
    </message>
    <message>
        <source>Close find (Esc)</source>
        <translation>Luk søgning (Esc)</translation>
    </message>
    <message>
        <source>F2 edits the selected cell. Enter on a time plays from it. Ctrl+Space plays or pauses, Ctrl+Left and Ctrl+Right jump 5 seconds.</source>
        <translation>F2 retter den valgte celle. Enter på et tidspunkt afspiller derfra. Ctrl+Mellemrum afspiller eller sætter på pause, Ctrl+Venstre og Ctrl+Højre springer 5 sekunder.</translation>
    </message>
    <message>
        <source>Citizen</source>
        <translation>Borger</translation>
    </message>
    <message>
        <source>Adviser</source>
        <translation>Rådgiver</translation>
    </message>
    <message>
        <source>No speaker is set yet: select segments and set one.</source>
        <translation>Der er ikke angivet nogen taler endnu: vælg afsnit, og angiv en taler.</translation>
    </message>
    <message>
        <source>{count} found</source>
        <translation>{count} fundet</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>Ikke fundet</translation>
    </message>
    <message>
        <source>Replaced {count}</source>
        <translation>{count} erstattet</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Gemmer…</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>Gemt</translation>
    </message>
    <message>
        <source>Not saved</source>
        <translation>Ikke gemt</translation>
    </message>
    <message>
        <source>Something went wrong; nothing more was changed. Try again.</source>
        <translation>Noget gik galt; intet andet er ændret. Prøv igen.</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Signed: the transcript can no longer change</source>
        <translation>Underskrevet: udskriften kan ikke længere ændres</translation>
    </message>
    <message>
        <source>Recording: correct it when it stops</source>
        <translation>Optager: ret udskriften, når optagelsen er stoppet</translation>
    </message>
</context>
<context>
    <name>TypedNotesView</name>
    <message>
        <source>Type your notes from the meeting, one point per line. The draft is made from them, and every sentence in it points back to the line it rests on.</source>
        <translation>Skriv dine noter fra mødet, ét punkt pr. linje. Udkastet laves ud fra dem, og hver sætning i det peger tilbage på den linje, den bygger på.</translation>
    </message>
    <message>
        <source>Typed notes</source>
        <translation>Skrevne noter</translation>
    </message>
    <message>
        <source>e.g. The citizen wants help applying for housing benefit.</source>
        <translation>f.eks. Borgeren ønsker hjælp til at søge boligstøtte.</translation>
    </message>
    <message>
        <source>Save status</source>
        <translation>Gemmestatus</translation>
    </message>
    <message>
        <source>This case has a recorded transcript.</source>
        <translation>Sagen har en udskrift af en optagelse.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Gemmer…</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>Gemt</translation>
    </message>
</context>
</TS>