import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { seatLine } from '../contract/ticket-format.ts';
import type { TicketSeat } from '../contract/tickets.ts';

export interface PrintableTicket {
  id: string;
  code: string;
  seat: TicketSeat;
}

export interface PrintableBooking {
  reference: string;
  eventName: string;
  startsAt: string;
  venueName: string;
  tickets: PrintableTicket[];
}

// events carry an instant, not a venue time zone: the ticket says UTC rather than guess one
const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' });

/**
 * The booking's tickets as a PDF (pdfkit), one A5 page per ticket: event, date, venue, seat or
 * place, booking reference, and the QR code of the ticket's signed code (qrcode), with the code
 * in text beneath it for a scanner that cannot read the image. The QR is an 8-bit grey PNG, which
 * pdfkit embeds as it is (no alpha channel to split off).
 */
export async function ticketsPdf(booking: PrintableBooking): Promise<Buffer> {
  const images = await Promise.all(booking.tickets.map((t) => QRCode.toBuffer(t.code, {
    type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6, rendererOpts: { colorType: 0 } as object,
  })));
  const doc = new PDFDocument({
    size: 'A5', margin: 40, autoFirstPage: false,
    info: { Title: `Tickets ${booking.reference}: ${booking.eventName}`, Author: 'Seatwise', Subject: `Booking ${booking.reference}` },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => { doc.on('end', resolve); doc.on('error', reject); });

  const when = `${dateFormat.format(new Date(booking.startsAt))} UTC`;
  booking.tickets.forEach((ticket, index) => {
    doc.addPage();
    const width = doc.page.width - 80;
    doc.font('Helvetica').fontSize(9).fillColor('#555555')
      .text(`SEATWISE · TICKET ${index + 1} OF ${booking.tickets.length}`, { width, characterSpacing: 1 });
    doc.moveDown(0.6);
    // at most two lines, so a long name never pushes the QR code off the page
    doc.font('Helvetica-Bold').fontSize(20).fillColor('#000000').text(booking.eventName, { width, height: 48, ellipsis: true });
    doc.moveDown(0.3);
    doc.font('Helvetica').fontSize(11).text(when, { width });
    doc.text(booking.venueName, { width });
    doc.moveDown(0.8);
    doc.font('Helvetica-Bold').fontSize(14).text(seatLine(ticket.seat), { width });
    doc.moveDown(0.3);
    doc.font('Helvetica').fontSize(11).text(`Booking reference ${booking.reference}`, { width });

    const size = 200;
    const x = (doc.page.width - size) / 2;
    const y = doc.y + 20;
    doc.image(images[index], x, y, { width: size, height: size });
    doc.font('Courier').fontSize(7).fillColor('#333333')
      .text(ticket.code, 40, y + size + 8, { width, align: 'center' });
    doc.font('Helvetica').fontSize(8).fillColor('#555555')
      .text('Admits one, once. Show this code at the door; a copy admits no one else.', 40, doc.page.height - 70, { width, align: 'center' });
  });
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
