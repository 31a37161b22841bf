"""The My Number card (マイナンバーカード): card files and the test card, the PC/SC stack for tests
and training, the reader service and the card protocol.

No Qt here: the UI talks to the reader service through callbacks and futures. Nothing in this
package logs, stores or prints a PIN.
"""
